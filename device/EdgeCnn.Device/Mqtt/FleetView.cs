using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeCnn.Device.Mqtt;

/// <summary>One device as the broker's retained messages describe it.</summary>
/// <param name="Device">The device id (the topic level after the prefix).</param>
/// <param name="Online">Its availability: <c>online</c> or not (the broker's last will says <c>offline</c>).</param>
/// <param name="Model">The model's file name and architecture, from its state message.</param>
/// <param name="ModelSha256">The model's SHA-256, from its state message.</param>
/// <param name="FramesPerSecond">Frames classified per second, in its last state message.</param>
/// <param name="Arming">Its arming mode (armed, disarmed, snoozed, quiet-hours).</param>
/// <param name="LastEventRule">The rule of its last trigger, if any.</param>
/// <param name="LastEventTime">When.</param>
/// <param name="StateTime">When its last state message was sent.</param>
public sealed record FleetDevice(string Device, bool Online, string? Model, string? ModelSha256, double? FramesPerSecond, string? Arming,
    string? LastEventRule, DateTimeOffset? LastEventTime, DateTimeOffset? StateTime);

/// <summary>
/// The fleet as the broker knows it: every device's retained availability and state under one prefix, put together
/// per device; printed as a table or as JSON by <c>edgecnn-device fleet</c>.
/// </summary>
public sealed class FleetView
{
    private readonly SortedDictionary<string, (string? Availability, JsonObject? State)> _devices = new(StringComparer.Ordinal);
    private readonly string _prefix;

    /// <summary>A view of the devices under <paramref name="prefix"/> (<c>edgecnn</c>).</summary>
    public FleetView(string prefix) => _prefix = prefix.TrimEnd('/');

    /// <summary>The topic filters that carry what the view shows.</summary>
    public IReadOnlyList<string> Filters => [$"{_prefix}/+/availability", $"{_prefix}/+/state"];

    /// <summary>Takes one message; those on other topics, or that are not JSON where JSON is due, are ignored.</summary>
    public void Take(string topic, string payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        string[] levels = topic.Split('/');
        if (levels.Length != 3 || levels[0] != _prefix) return;
        (string? availability, JsonObject? state) = _devices.GetValueOrDefault(levels[1]);
        if (levels[2] == "availability") availability = payload;
        else if (levels[2] == "state")
        {
            try
            {
                state = JsonNode.Parse(payload) as JsonObject ?? state;
            }
            catch (JsonException)
            {
                // Not a state message of ours.
            }
        }
        else return;
        _devices[levels[1]] = (availability, state);
    }

    /// <summary>The devices, by id.</summary>
    public IReadOnlyList<FleetDevice> Devices => [.. _devices.Select(d => Device(d.Key, d.Value.Availability, d.Value.State))];

    private static FleetDevice Device(string id, string? availability, JsonObject? state)
    {
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        static DateTimeOffset? Time(JsonNode? node) =>
            Text(node) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset t) ? t : null;
        double? rate = state?["framesPerSecond"] is JsonValue r && r.TryGetValue(out double d) ? d : null;
        return new FleetDevice(id, availability == "online", Text(state?["model"]), Text(state?["modelSha256"]), rate, Text(state?["arming"]),
            Text(state?["lastEvent"]?["rule"]), Time(state?["lastEvent"]?["time"]), Time(state?["time"]));
    }

    /// <summary>The devices as a table, one line each, for a person.</summary>
    public IEnumerable<string> Table(DateTimeOffset now)
    {
        string Age(DateTimeOffset? t) => t is { } at ? Ago(now - at) : "-";
        var rows = new List<string[]> { new[] { "DEVICE", "ONLINE", "MODEL", "SHA-256", "FRAMES/S", "ARMING", "LAST EVENT", "STATE" } };
        rows.AddRange(Devices.Select(d => new[]
        {
            d.Device, d.Online ? "yes" : "NO", d.Model ?? "-", d.ModelSha256 is { Length: >= 12 } sha ? sha[..12] : "-",
            d.FramesPerSecond?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-", d.Arming ?? "-",
            d.LastEventRule is null ? "-" : $"{d.LastEventRule} {Age(d.LastEventTime)} ago", d.StateTime is null ? "-" : $"{Age(d.StateTime)} ago",
        }));
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length))];
        foreach (string[] row in rows) yield return string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd();
        int models = Devices.Select(d => d.ModelSha256).Where(s => s is not null).Distinct().Count();
        yield return $"{Devices.Count} device(s), {Devices.Count(d => d.Online)} online, {models} model(s)";
    }

    /// <summary>The devices as JSON, for scripts.</summary>
    public string Json(DateTimeOffset now) => JsonSerializer.Serialize(Devices.Select(d => new
    {
        device = d.Device,
        online = d.Online,
        model = d.Model,
        modelSha256 = d.ModelSha256,
        framesPerSecond = d.FramesPerSecond,
        arming = d.Arming,
        lastEvent = d.LastEventRule is null ? null : new { rule = d.LastEventRule, time = d.LastEventTime, ageSeconds = Math.Round((now - d.LastEventTime!.Value).TotalSeconds, 1) },
        stateAgeSeconds = d.StateTime is { } t ? Math.Round((now - t).TotalSeconds, 1) : (double?)null,
    }), new JsonSerializerOptions { WriteIndented = true });

    private static string Ago(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "0s",
        < 120 => $"{(int)age.TotalSeconds}s",
        < 7200 => $"{(int)age.TotalMinutes}m",
        < 172_800 => $"{(int)age.TotalHours}h",
        _ => $"{(int)age.TotalDays}d",
    };
}
