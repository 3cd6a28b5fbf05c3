using System.Text.Json;
using System.Threading.Channels;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Rules;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Device.Events;

/// <summary>
/// The frame of every trigger, kept as <c>ID.jpg</c> (region and top class drawn on it) with <c>ID.json</c> beside it
/// in <see cref="EventsOptions.FullDirectory"/>, oldest removed first beyond <see cref="EventsOptions.MaxCount"/> or
/// <see cref="EventsOptions.MaxMegabytes"/>.
/// </summary>
/// <remarks>
/// The frame loop only copies the frame (<see cref="Capture"/>, on triggers alone) into a small queue and goes on;
/// encoding, writing and pruning happen on this service's task. A full queue drops the snapshot, and a disk that is
/// full or read-only fails the write: both are logged and counted, and neither ever reaches the loop.
/// </remarks>
public sealed partial class EventSnapshots : IHostedService, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly EventsOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<(FrameSnapshot Frame, EventSnapshot Event)> _queue =
        Channel.CreateBounded<(FrameSnapshot, EventSnapshot)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
    private Task _writer = Task.CompletedTask;
    private Channel<(EventSnapshot Info, byte[] Jpeg)>? _encoded;
    private string? _directory;
    private long _written, _failed, _dropped;

    /// <summary>Prepares the store; <see cref="StartAsync"/> creates its folder.</summary>
    public EventSnapshots(IOptions<EventsOptions> options, ILogger<EventSnapshots> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Where the snapshots are, or null when they are off (or the folder cannot be made).</summary>
    public string? Directory => Volatile.Read(ref _directory);

    /// <summary>Snapshots written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Snapshots that could not be written (disk full, read-only, …).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Snapshots dropped because the writer was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        string? folder = _options.FullDirectory;
        if (folder is null) return Task.CompletedTask;
        try
        {
            System.IO.Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNoFolder(folder, e.Message);
            return Task.CompletedTask;
        }
        Volatile.Write(ref _directory, folder);
        LogKeeping(folder, _options.MaxCount, _options.MaxMegabytes);
        _writer = Task.Run(WriteAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// On the frame loop, for a trigger: copies the frame and queues it for writing, without waiting. Does nothing
    /// when snapshots are off.
    /// </summary>
    public void Capture(Mat frame, Rect region, string label, float probability, in RuleEvent trigger, RuleOptions rule)
    {
        if (Directory is null) return;
        var snapshot = new FrameSnapshot(frame, region, label, probability, trigger.Frame, trigger.Time);
        var info = new EventSnapshot(trigger.Id(rule), rule.Name, rule.Class, label, Math.Round(trigger.Probability, 4), trigger.Frame, trigger.Time);
        if (_queue.Writer.TryWrite((snapshot, info))) return;
        snapshot.Dispose();
        Interlocked.Increment(ref _dropped);
    }

    private async Task WriteAsync()
    {
        await foreach ((FrameSnapshot frame, EventSnapshot info) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            using (frame)
            {
                try
                {
                    byte[] jpeg = frame.EncodeJpeg();
                    EventSnapshot encoded = info with { Bytes = jpeg.Length };
                    // The encoded picture goes to MQTT whether or not the disk takes it.
                    _encoded?.Writer.TryWrite((encoded, jpeg));
                    if (jpeg.Length > LimitBytes)
                    {
                        // Kept, it would break the limit it was given; the oldest would all go and it still would.
                        Interlocked.Increment(ref _failed);
                        LogTooLarge(info.Id, jpeg.Length / (1024.0 * 1024.0), _options.MaxMegabytes);
                        continue;
                    }
                    string folder = Directory!;
                    // Removed while running (a clean-up, a hand): made again, so one mistake does not end every later snapshot.
                    System.IO.Directory.CreateDirectory(folder);
                    MakeRoom(folder, jpeg.Length);
                    try
                    {
                        Write(folder, encoded, jpeg);
                    }
                    catch (IOException e) when (IsDiskFull(e) && RemoveOldest(folder))
                    {
                        // Something else filled the disk: the oldest snapshot makes room for the newest, once.
                        LogDiskFull(info.Id);
                        Write(folder, encoded, jpeg);
                    }
                    Interlocked.Increment(ref _written);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or OpenCVException)
                {
                    Interlocked.Increment(ref _failed);
                    LogWriteFailed(info.Id, e.Message);
                }
            }
        }
    }

    private long LimitBytes => (long)(_options.MaxMegabytes * 1024 * 1024);

    // ENOSPC (and EDQUOT): .NET on Linux reports the errno as the HResult of an IOException it has no type for.
    private static bool IsDiskFull(IOException e) => e.HResult is 28 or 122;

    // The JPEG, then its JSON (what /events lists has its picture); on a failure neither stays.
    private static void Write(string folder, EventSnapshot info, byte[] jpeg)
    {
        string picture = Path.Combine(folder, info.Id + ".jpg");
        try
        {
            WriteAtomically(picture, jpeg);
            WriteAtomically(Path.Combine(folder, info.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(info, Json));
        }
        catch (IOException)
        {
            File.Delete(picture);
            throw;
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary); // a half-written file after a full disk would count against the limit forever
            throw;
        }
    }

    // Before a snapshot is written, oldest first (ids start with the time) until both limits hold with the new one
    // counted in, so the folder and /events never hold more than the limits, not even for a moment. A snapshot's JSON
    // goes with it, and a JSON whose JPEG is gone (removed by hand, a crash between the two) goes too.
    private void MakeRoom(string folder, long incomingBytes)
    {
        var files = new DirectoryInfo(folder).GetFiles("*.jpg").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        RemoveOrphans(folder, files);
        long bytes = files.Sum(f => f.Length);
        int removed = 0;
        while (files.Count > 0 && (files.Count + 1 > _options.MaxCount || bytes + incomingBytes > LimitBytes))
        {
            FileInfo oldest = files[0];
            files.RemoveAt(0);
            bytes -= oldest.Length;
            Remove(oldest);
            removed++;
        }
        if (removed > 0) LogPruned(removed, files.Count, bytes / (1024.0 * 1024.0));
    }

    private static void RemoveOrphans(string folder, List<FileInfo> pictures)
    {
        var names = new HashSet<string>(pictures.Select(f => Path.GetFileNameWithoutExtension(f.Name)), StringComparer.Ordinal);
        foreach (FileInfo json in new DirectoryInfo(folder).GetFiles("*.json"))
        {
            if (!names.Contains(Path.GetFileNameWithoutExtension(json.Name))) json.Delete();
        }
    }

    private static bool RemoveOldest(string folder)
    {
        FileInfo? oldest = new DirectoryInfo(folder).GetFiles("*.jpg").MinBy(f => f.Name, StringComparer.Ordinal);
        if (oldest is null) return false;
        Remove(oldest);
        return true;
    }

    private static void Remove(FileInfo picture)
    {
        File.Delete(Path.ChangeExtension(picture.FullName, ".json")); // first, so what /events lists has its JPEG
        picture.Delete();
    }

    /// <summary>
    /// Each snapshot's JPEG as soon as it is encoded, for one reader (the MQTT publisher); a reader that falls behind
    /// loses the older ones. Call before the service starts.
    /// </summary>
    public ChannelReader<(EventSnapshot Info, byte[] Jpeg)> Encoded()
    {
        _encoded ??= Channel.CreateBounded<(EventSnapshot, byte[])>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        return _encoded.Reader;
    }

    /// <summary>The newest snapshots first, at most <paramref name="limit"/>; unreadable entries are skipped.</summary>
    public IReadOnlyList<EventSnapshot> List(int limit = 50)
    {
        string? folder = Directory;
        if (folder is null) return [];
        var list = new List<EventSnapshot>();
        // Removed while running: nothing to list until the next snapshot makes it again.
        if (!System.IO.Directory.Exists(folder)) return list;
        string[] files;
        try
        {
            files = [.. System.IO.Directory.EnumerateFiles(folder, "*.json").OrderDescending(StringComparer.Ordinal).Take(limit)];
        }
        catch (DirectoryNotFoundException)
        {
            return list;
        }
        foreach (string path in files)
        {
            try
            {
                if (JsonSerializer.Deserialize<EventSnapshot>(File.ReadAllBytes(path), Json) is { } info) list.Add(info);
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Pruned meanwhile, or half a file from a crash: not an event to show.
            }
        }
        return list;
    }

    /// <summary>The JPEG of snapshot <paramref name="id"/>, or null when there is none (an id that is not one is none).</summary>
    public string? JpegPath(string id)
    {
        string? folder = Directory;
        if (folder is null || id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || id.Contains("..", StringComparison.Ordinal))
            return null;
        string path = Path.Combine(folder, id + ".jpg");
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // What the loop handed over is written before the service stops.
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var left)) left.Frame.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "event snapshots in {Folder} (at most {Count} files and {Megabytes} MB; oldest removed first)")]
    private partial void LogKeeping(string folder, int count, double megabytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event snapshots are off: cannot make the folder {Folder} ({Reason}); set Events:Directory to a folder this user can write")]
    private partial void LogNoFolder(string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event snapshot {Id} not written: {Reason} (the device goes on; a full or read-only disk?)")]
    private partial void LogWriteFailed(string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event snapshot {Id} not written: its JPEG ({Megabytes:0.00} MB) is larger than Events:MaxMegabytes ({Limit} MB) alone; raise the limit")]
    private partial void LogTooLarge(string id, double megabytes, double limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the disk is full: removed the oldest event snapshot to write {Id} (something besides the snapshots fills it)")]
    private partial void LogDiskFull(string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "removed {Removed} old event snapshot(s); {Kept} kept, {Megabytes:0.0} MB")]
    private partial void LogPruned(int removed, int kept, double megabytes);
}

/// <summary>What <c>/events</c> lists for one snapshot, and what <c>ID.json</c> holds.</summary>
/// <param name="Id">The event's id (<see cref="RuleEvent.Id"/>); the JPEG is <c>/events/ID.jpg</c>.</param>
/// <param name="Rule">The rule that triggered.</param>
/// <param name="Class">The class it watches.</param>
/// <param name="Top">What the model saw in the frame (the top class as the device names it).</param>
/// <param name="Probability">The watched class's probability in the frame.</param>
/// <param name="Frame">The frame number.</param>
/// <param name="Time">The frame's time.</param>
/// <param name="Bytes">The JPEG's size.</param>
public sealed record EventSnapshot(string Id, string Rule, string Class, string Top, double Probability, long Frame, DateTimeOffset Time, long Bytes = 0);
