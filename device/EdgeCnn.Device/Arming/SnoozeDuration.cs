using System.Globalization;
using EdgeCnn.Device.Configuration;

namespace EdgeCnn.Device.Arming;

/// <summary>How long a snooze lasts, as people write it: <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>1h30m</c>.</summary>
public static class SnoozeDuration
{
    /// <summary>Parses <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>1h30m</c>, or <c>hh:mm:ss</c>; a bad one is a configuration error that says how to write it.</summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TimeSpan.TryParseExact(text, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out TimeSpan exact) && exact > TimeSpan.Zero) return exact;
        TimeSpan total = TimeSpan.Zero;
        int number = -1;
        foreach (char c in text.Trim())
        {
            if (char.IsAsciiDigit(c))
            {
                number = Math.Max(number, 0) * 10 + (c - '0');
                if (number > 100_000) break;
                continue;
            }
            TimeSpan? unit = c switch { 's' => TimeSpan.FromSeconds(1), 'm' => TimeSpan.FromMinutes(1), 'h' => TimeSpan.FromHours(1), 'd' => TimeSpan.FromDays(1), _ => null };
            if (unit is null || number < 0) { total = TimeSpan.Zero; number = -1; break; }
            total += unit.Value * number;
            number = -1;
        }
        if (number >= 0 || total <= TimeSpan.Zero || total > TimeSpan.FromDays(7))
            throw new ConfigurationException($"snooze: '{text}' is not a duration; write it as 30s, 10m, 2h or 1h30m (at most 7d).");
        return total;
    }
}
