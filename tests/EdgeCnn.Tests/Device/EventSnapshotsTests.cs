using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgeCnn.Tests;

public sealed class EventSnapshotsTests : IDisposable
{
    private static readonly RuleOptions Rule = new() { Name = "cat-led", Class = "cat", Outputs = ["led"] };
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private EventSnapshots Store(int maxCount = 500, double maxMegabytes = 50) =>
        new(Options.Create(new EventsOptions { Directory = _folder["events"], MaxCount = maxCount, MaxMegabytes = maxMegabytes }), NullLogger<EventSnapshots>.Instance);

    // Noise: a JPEG of it is large, so a few of them exceed a small size limit.
    private static Mat Noise(int seed)
    {
        var pixels = new byte[480 * 640 * 3];
        new Random(seed).NextBytes(pixels);
        return Mat.FromPixelData(480, 640, MatType.CV_8UC3, pixels).Clone();
    }

    private static async Task Capture(EventSnapshots store, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using Mat frame = Noise(i);
            store.Capture(frame, new Rect(0, 0, 640, 480), "cat", 0.9f, new RuleEvent(0, RuleEventKind.Trigger, 0.9f, i, DateTimeOffset.UnixEpoch.AddSeconds(i)), Rule);
            // One at a time: the queue holds four, and this test is about what is kept, not what is dropped.
            while (store.Written + store.Failed < i + 1) await Task.Delay(10);
        }
    }

    [Fact]
    public async Task The_size_limit_removes_the_oldest_first()
    {
        await using EventSnapshots store = Store(maxMegabytes: 1.0);
        await store.StartAsync(CancellationToken.None);
        await Capture(store, 8);
        long bytes = Directory.GetFiles(_folder["events"], "*.jpg").Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 1024 * 1024, $"{bytes} bytes kept");
        IReadOnlyList<EventSnapshot> kept = store.List();
        Assert.InRange(kept.Count, 1, 7);
        Assert.Equal(7, kept[0].Frame); // the newest is kept, and listed first
        Assert.Equal(Enumerable.Range(8 - kept.Count, kept.Count).Reverse().Select(i => (long)i), kept.Select(k => k.Frame));
    }

    [Fact]
    public async Task The_folder_never_holds_more_than_the_count_limit_not_even_between_a_write_and_its_pruning()
    {
        await using EventSnapshots store = Store(maxCount: 3);
        await store.StartAsync(CancellationToken.None);
        // The kernel reports the folder's changes in the order they happen: replaying them gives every count the
        // folder ever had, which a poll of the folder could miss.
        var listed = new HashSet<string>();
        int most = 0;
        using var watcher = new FileSystemWatcher(_folder["events"], "*.json") { IncludeSubdirectories = false };
        watcher.Renamed += (_, e) => { lock (listed) { listed.Add(e.Name!); most = Math.Max(most, listed.Count); } };
        watcher.Deleted += (_, e) => { lock (listed) listed.Remove(e.Name!); };
        watcher.EnableRaisingEvents = true;
        await Capture(store, 8);
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        while (quiet.ElapsedMilliseconds < 1000) await Task.Delay(50); // let the last events arrive
        lock (listed)
        {
            Assert.Equal(3, listed.Count);
            Assert.Equal(3, most);
        }
        Assert.Equal(3, store.List().Count);
    }

    [Fact]
    public async Task A_folder_that_cannot_be_written_is_counted_and_nothing_reaches_the_caller()
    {
        await using EventSnapshots store = Store();
        await store.StartAsync(CancellationToken.None);
        // The folder disappears under the service and a file takes its place: every write fails.
        Directory.Delete(_folder["events"], recursive: true);
        File.WriteAllText(_folder["events"], "not a folder");
        await Capture(store, 3);
        Assert.Equal(3, store.Failed);
        Assert.Equal(0, store.Written);
    }

    [Fact]
    public void An_id_that_is_not_a_snapshot_is_not_a_path()
    {
        EventSnapshots store = Store();
        Assert.Null(store.JpegPath("../secret"));
    }
}
