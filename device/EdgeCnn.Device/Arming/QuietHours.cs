using System.Globalization;

namespace EdgeCnn.Device.Arming;

/// <summary>
/// Spans of local wall-clock time when outputs stay off, such as <c>22:00-07:00</c>. They follow the wall clock, so
/// on the night the clocks change a span is an hour longer or shorter in real time, as a user reading the clock expects.
/// </summary>
public sealed class QuietHours
{
    private readonly (TimeOnly Start, TimeOnly End)[] _spans;

    private QuietHours((TimeOnly, TimeOnly)[] spans) => _spans = spans;

    /// <summary>No quiet hours.</summary>
    public static QuietHours None { get; } = new([]);

    /// <summary>The spans as written, e.g. <c>22:00-07:00</c>.</summary>
    public IEnumerable<string> Spans => _spans.Select(s => $"{s.Start:HH\\:mm}-{s.End:HH\\:mm}");

    /// <summary>
    /// Parses <c>HH:mm-HH:mm</c> spans; an error names <paramref name="key"/> with the span's index and says how to write one.
    /// </summary>
    public static QuietHours Parse(IReadOnlyList<string> spans, string key)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var parsed = new (TimeOnly, TimeOnly)[spans.Count];
        for (int i = 0; i < spans.Count; i++)
        {
            string[] ends = (spans[i] ?? "").Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length != 2 || !TryTime(ends[0], out TimeOnly start) || !TryTime(ends[1], out TimeOnly end))
                throw new ArgumentException($"{key}:{i} is '{spans[i]}'; write a span of local time as HH:mm-HH:mm, e.g. \"22:00-07:00\".");
            if (start == end)
                throw new ArgumentException($"{key}:{i} is '{spans[i]}', which starts where it ends; for quiet all day, disarm the device instead.");
            parsed[i] = (start, end);
        }
        return new QuietHours(parsed);
    }

    private static bool TryTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    /// <summary>Whether <paramref name="now"/>, read on the wall clock of <paramref name="zone"/>, falls in a span. Allocates nothing.</summary>
    public bool Contains(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (_spans.Length == 0) return false;
        var local = TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(now, zone).TimeOfDay);
        foreach ((TimeOnly start, TimeOnly end) in _spans)
        {
            // A span that crosses midnight (22:00-07:00) is the evening part and the morning part.
            bool inside = start < end ? local >= start && local < end : local >= start || local < end;
            if (inside) return true;
        }
        return false;
    }
}
