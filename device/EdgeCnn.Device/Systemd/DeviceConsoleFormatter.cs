using EdgeCnn.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Systemd;

/// <summary>
/// The console format on a terminal or in a pipe: <c>12:00:03 info  gpio      simulated GPIO 17 high</c>, the
/// component being the logging class without its namespace. When standard output goes to the journal (systemd sets
/// <c>JOURNAL_STREAM</c>), each line starts with its syslog priority instead of the time (<c>&lt;4&gt;</c> for a
/// warning), so that <c>journalctl -p warning</c> and the journal's colours see warnings and errors as such.
/// </summary>
/// <remarks>
/// This is decided from the environment systemd gives the service, not by looking at the parent process (which the
/// unit's ProtectProc=invisible hides): Microsoft's systemd console format depends on that look.
/// </remarks>
internal sealed class DeviceConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "edgecnn";

    private readonly bool _toJournal = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        // One entry, one line: a newline in a message (a class name, a rule name, a peer's error) would forge the next.
        // Secrets in URLs never reach a log (ASP.NET's own request lines hold the page's /?token=…, a camera's URL its password).
        string message = OneLine.Of(StreamUrl.Redact(logEntry.Formatter(logEntry.State, logEntry.Exception)));
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
        // The journal stamps each line itself; a terminal needs the time.
        string prefix = _toJournal ? $"<{SyslogPriority(logEntry.LogLevel)}>" : DateTime.Now.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture);
        textWriter.Write(prefix);
        textWriter.Write(level);
        textWriter.Write("  ");
        textWriter.Write(category.PadRight(20));
        textWriter.Write(' ');
        textWriter.WriteLine(message);
        if (logEntry.Exception is null) return;
        // Every line of a stack trace at the entry's priority: the journal reads each line as an entry of its own.
        foreach (string line in StreamUrl.Redact(logEntry.Exception.ToString()).Split('\n')) textWriter.WriteLine(_toJournal ? prefix + line : line);
    }

    // syslog(3) priorities, which the journal reads from a "<N>" line prefix.
    private static int SyslogPriority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };
}
