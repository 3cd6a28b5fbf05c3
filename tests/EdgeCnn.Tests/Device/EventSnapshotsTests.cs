using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Events;
using EdgeCnn.Device.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgeCnn.Tests.Device;

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

    // Frames first, first + 1, ... (a second call goes on from where the first stopped).
    private static async Task Capture(EventSnapshots store, int count, int first = 0)
    {
        long before = store.Written + store.Failed;
        for (int i = first; i < first + count; i++)
        {
            using Mat frame = Noise(i);
            store.Capture(frame, new Rect(0, 0, 640, 480), "cat", 0.9f, new RuleEvent(0, RuleEventKind.Trigger, 0.9f, i, DateTimeOffset.UnixEpoch.AddSeconds(i)), Rule);
            // One at a time: the queue holds four, and this test is about what is kept, not what is dropped.
            while (store.Written + store.Failed < before + i - first + 1) await Task.Delay(10);
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
    public async Task The_folder_removed_while_running_lists_empty_and_is_made_again_by_the_next_snapshot()
    {
        await using EventSnapshots store = Store();
        await store.StartAsync(CancellationToken.None);
        await Capture(store, 1);
        Directory.Delete(_folder["events"], recursive: true);

        Assert.Empty(store.List()); // /events answers an empty list, not 500
        await Capture(store, 1, first: 1);

        Assert.Equal(2, store.Written);
        Assert.Equal(0, store.Failed);
        Assert.Single(store.List());
    }

    [Fact]
    public async Task A_snapshot_larger_than_the_size_limit_alone_is_not_kept_and_the_limit_holds()
    {
        // A JPEG of 640x480 noise is several hundred kilobytes: more than a tenth of a megabyte.
        await using EventSnapshots store = Store(maxMegabytes: 0.1);
        await store.StartAsync(CancellationToken.None);
        await Capture(store, 2);

        Assert.Equal(2, store.Failed);
        Assert.Empty(Directory.GetFiles(_folder["events"]));
    }

    [Fact]
    public async Task A_json_whose_jpeg_is_gone_is_pruned_with_the_next_snapshot()
    {
        await using EventSnapshots store = Store();
        await store.StartAsync(CancellationToken.None);
        await Capture(store, 2);
        string orphan = Directory.GetFiles(_folder["events"], "*.jpg").Order(StringComparer.Ordinal).First();
        File.Delete(orphan);
        Assert.True(File.Exists(Path.ChangeExtension(orphan, ".json")));

        await Capture(store, 1, first: 2);

        Assert.False(File.Exists(Path.ChangeExtension(orphan, ".json")));
        Assert.Equal(Directory.GetFiles(_folder["events"], "*.jpg").Length, Directory.GetFiles(_folder["events"], "*.json").Length);
    }

    [Fact]
    public async Task On_a_full_disk_the_oldest_snapshot_makes_room_for_the_newest()
    {
        // A real full file system: a 3 MB tmpfs that something else (a filler file) has mostly filled.
        string events = Directory.CreateDirectory(_folder["events"]).FullName;
        Assert.True(Mount("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", events), "mounting a tmpfs needs root (the tests run as root, as CI does)");
        try
        {
            await using EventSnapshots store = Store();
            await store.StartAsync(CancellationToken.None);
            await Capture(store, 1);
            long snapshot = Directory.GetFiles(events, "*.jpg").Sum(f => new FileInfo(f).Length);
            // Room for one more and a half: the third needs the first one's place.
            File.WriteAllBytes(Path.Combine(events, "filler.bin"), new byte[new DriveInfo(events).AvailableFreeSpace - snapshot * 3 / 2]);

            await Capture(store, 4, first: 1);

            Assert.Equal(0, store.Failed);
            Assert.Equal(5, store.Written);
            IReadOnlyList<EventSnapshot> kept = store.List();
            Assert.NotEmpty(kept);
            Assert.Equal(4, kept[0].Frame); // the newest is there
            Assert.True(kept.Count < 5, $"{kept.Count} kept: the disk was not full");
        }
        finally
        {
            Mount("umount", events);
        }
    }

    private static bool Mount(string command, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    [Fact]
    public void An_id_that_is_not_a_snapshot_is_not_a_path()
    {
        EventSnapshots store = Store();
        Assert.Null(store.JpegPath("../secret"));
    }
}
