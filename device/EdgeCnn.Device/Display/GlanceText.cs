using System.Globalization;

namespace EdgeCnn.Device.Display;

/// <summary>
/// What a 16x2 display shows, as two lines of exactly 16 characters: the armed mode with the top class and its
/// probability, then, in turns of a few seconds, the last event with its age and the device's address.
/// </summary>
public static class GlanceText
{
    /// <summary>Characters per line.</summary>
    public const int Width = 16;

    /// <summary>
    /// The two lines. <paramref name="page"/> alternates the second line between the last event and the address.
    /// </summary>
    public static (string First, string Second) Lines(string mode, string? top, float probability, (string Rule, TimeSpan Age)? lastEvent, string address, int page)
    {
        string modeWord = mode switch { "armed" => "ARMED", "disarmed" => "OFF", "snoozed" => "SNOOZE", _ => "QUIET" };
        string percent = top is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{probability * 100:0}%");
        string first = top is null ? $"{modeWord} starting" : $"{modeWord} {Fit(top, Width - modeWord.Length - percent.Length - 2)} {percent}";
        string second = page % 2 == 0 && lastEvent is { } last
            ? $"{Fit(last.Rule, Width - Age(last.Age).Length - 1)} {Age(last.Age)}"
            : address;
        return (Pad(first), Pad(second));
    }

    /// <summary>An age in a few characters: 42s, 12m, 3h, 5d.</summary>
    public static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "0s",
        < 100 => $"{(int)age.TotalSeconds}s",
        < 6000 => $"{(int)age.TotalMinutes}m",
        < 360_000 => $"{(int)age.TotalHours}h",
        _ => $"{(int)age.TotalDays}d",
    };

    private static string Fit(string text, int width) =>
        width <= 0 ? "" : text.Length <= width ? text.PadRight(width) : text[..width];

    // The display's character set is ASCII and a few symbols: anything else would show as a strange glyph.
    private static string Pad(string line)
    {
        var ascii = new string(line.Select(c => c is >= ' ' and <= '}' ? c : '?').ToArray());
        return ascii.Length >= Width ? ascii[..Width] : ascii.PadRight(Width);
    }
}
