using System.Collections.Concurrent;
using EdgeCnn.Device.Events;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Tests.Support;

/// <summary>Keeps every log entry of a host, with its structured values, for tests to read.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public sealed record Entry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);

    /// <summary>Every message, in order.</summary>
    public IEnumerable<string> Lines => Entries.Select(e => e.Message);

    /// <summary>The simulated GPIO driver's level changes, in order: (pin, "high"/"low").</summary>
    public List<(int Pin, string Level)> GpioTransitions() =>
        Entries.Where(e => e.Category.EndsWith("SimulatedGpioDriver", StringComparison.Ordinal))
            .Select(e => ((int)e.Values["Pin"]!, (string)e.Values["Level"]!)).ToList();

    /// <summary>The rule events the service logged, as JSON lines.</summary>
    public List<string> EventLines() =>
        Entries.Where(e => e.Category.EndsWith("RuleEventLogger", StringComparison.Ordinal) && e.Message.StartsWith('{')).Select(e => e.Message).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (KeyValuePair<string, object?> pair in pairs) values[pair.Key] = pair.Value;
            }
            provider.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), values, exception));
        }
    }
}
