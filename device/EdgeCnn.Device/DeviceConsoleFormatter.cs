using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace EdgeCnn.Device;

/// <summary>
/// The console format on a terminal or in a pipe: <c>12:00:03 info  gpio      simulated GPIO 17 high</c>, the
/// component being the logging class without its namespace. Under systemd the journal format is used instead.
/// </summary>
internal sealed class DeviceConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "edgecnn";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        string category = logEntry.Category[(logEntry.Category.LastIndexOf('.') + 1)..];
        string level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "WARN",
            LogLevel.Error => "FAIL",
            LogLevel.Critical => "CRIT",
            _ => "    ",
        };
        textWriter.Write(DateTime.Now.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(level);
        textWriter.Write("  ");
        textWriter.Write(category.PadRight(20));
        textWriter.Write(' ');
        textWriter.WriteLine(message);
        if (logEntry.Exception is not null) textWriter.WriteLine(logEntry.Exception.ToString());
    }
}
