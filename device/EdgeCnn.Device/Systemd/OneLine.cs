using System.Globalization;
using System.Text;

namespace EdgeCnn.Device.Systemd;

/// <summary>
/// Text made safe for a line-based channel (the journal, systemd's notify socket): control characters written as
/// escapes (<c>\n</c>, <c>\u001b</c>). A class name from a training folder, a rule name or an exception message may
/// hold a newline, and on those channels a newline starts a new record: a fake journal entry at any priority, or a
/// notify field such as <c>MAINPID=1</c> or <c>WATCHDOG_USEC=1</c> that systemd would obey.
/// </summary>
internal static class OneLine
{
    /// <summary><paramref name="text"/> itself when it has no control character (no allocation), else an escaped copy.</summary>
    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!HasControl(text)) return text;
        var line = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            line.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return line.ToString();
    }

    /// <summary>Whether <paramref name="text"/> holds a control character (C0, DEL or C1).</summary>
    public static bool HasControl(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c)) return true;
        }
        return false;
    }
}
