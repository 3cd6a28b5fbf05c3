using System.Globalization;
using System.Text.Json.Nodes;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// The Pi in a box (scripts/pibox.sh): Debian 12 booted with systemd as PID 1, sshd on a loopback port, the device
/// published for this machine's architecture. Booted fresh for each test class that uses it; built once per machine.
/// </summary>
public sealed class PiBox : IDisposable
{
    public const string Port = "2222";
    private static readonly Dictionary<string, string> Environment = new() { ["EDGECNN_PIBOX_PORT"] = Port };

    public PiBox()
    {
        Run("scripts/pibox.sh", ["down"], TimeSpan.FromMinutes(2));
        (int exit, string output) = Repository.Run("scripts/pibox.sh", ["up"], Environment, TimeSpan.FromMinutes(15));
        if (exit != 0) throw new InvalidOperationException($"scripts/pibox.sh up failed:\n{output}");
        Key = Repository.Run("scripts/pibox.sh", ["info"], Environment).Output.Split('\n').Single(l => l.StartsWith("PI_KEY=", StringComparison.Ordinal))["PI_KEY=".Length..].Trim();
        Release = Path.Combine(Path.GetTempPath(), $"edgecnn-pibox-release-{System.Environment.ProcessId}");
        // The release as a user publishes it, for this machine's architecture (the box is not an arm64 Pi).
        (exit, output) = Repository.Run("scripts/publish.sh", ["--rid", "linux-x64", "-o", Release], timeout: TimeSpan.FromMinutes(10));
        if (exit != 0) throw new InvalidOperationException($"scripts/publish.sh failed:\n{output}");
        // The camera: the sample scene clip, where the service user can read it.
        Exec($"mkdir -p /srv/edgecnn && chmod 755 /srv/edgecnn");
        File.Copy(Repository.File("models/samples/fashion-mnist-scene.mp4"), Path.Combine(Root, "srv/edgecnn/clip.mp4"), overwrite: true);
        // The first deploy to the fresh box, which every test builds on.
        GoodSettings = WriteSettings(Path.Combine(Release + "-settings.json"));
        FirstDeployCursor = Cursor();
        FirstDeploy = Deploy("--from", Release, "--config", GoodSettings, "--wait", "120");
    }

    /// <summary>The Pi's shipped settings with the clip for a camera and no GPIO hardware, changed by <paramref name="change"/>.</summary>
    public static string WriteSettings(string path, Action<JsonObject>? change = null)
    {
        JsonObject settings = JsonNode.Parse(File.ReadAllText(Repository.File("models/pi-settings.json")))!.AsObject();
        settings["Source"] = new JsonObject { ["Type"] = "file", ["Path"] = "/srv/edgecnn/clip.mp4", ["Loop"] = true };
        settings["Gpio"] = new JsonObject { ["Driver"] = "simulated" };
        change?.Invoke(settings);
        File.WriteAllText(path, settings.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>The settings of the first deploy.</summary>
    public string GoodSettings { get; }

    /// <summary>The box's time before the first deploy (see <see cref="Cursor"/>).</summary>
    public string FirstDeployCursor { get; }

    /// <summary>What the first deploy to the fresh box did.</summary>
    public (int ExitCode, string Output) FirstDeploy { get; }

    /// <summary>The box's file system, seen from this machine.</summary>
    public static string Root => "/var/tmp/edgecnn-pibox/root";

    /// <summary>The published release.</summary>
    public string Release { get; }

    /// <summary>The key that logs in as pi.</summary>
    public string Key { get; }

    /// <summary>Runs a shell command inside the box as root.</summary>
    public (int ExitCode, string Output) Exec(string command, TimeSpan? timeout = null) =>
        Repository.Run("scripts/pibox.sh", ["exec", "bash", "-c", command], Environment, timeout ?? TimeSpan.FromMinutes(2));

    /// <summary>The output of a shell command inside the box, which must succeed.</summary>
    public string Shell(string command)
    {
        (int exit, string output) = Exec(command);
        return exit == 0 ? output.Trim() : throw new InvalidOperationException($"'{command}' in the box exited {exit}:\n{output}");
    }

    /// <summary>scripts/deploy.sh pi@127.0.0.1, run as the README writes it, with the box's port and key.</summary>
    public (int ExitCode, string Output) Deploy(params string[] options) =>
        Repository.Run("scripts/deploy.sh", ["pi@127.0.0.1", "-p", Port, "-i", Key, .. options],
            new() { ["EDGECNN_SSH_OPTIONS"] = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" }, TimeSpan.FromMinutes(10));

    /// <summary>
    /// scripts/deploy.sh started as <see cref="Deploy"/> runs it, returned while it runs (to interrupt it), its output
    /// lines collected in <paramref name="output"/>.
    /// </summary>
    public System.Diagnostics.Process StartDeploy(System.Collections.Concurrent.ConcurrentQueue<string> output, params string[] options)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Repository.File("scripts/deploy.sh"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repository.Root,
        };
        foreach (string argument in new[] { "pi@127.0.0.1", "-p", Port, "-i", Key }.Concat(options)) start.ArgumentList.Add(argument);
        start.Environment["EDGECNN_SSH_OPTIONS"] = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
        var process = System.Diagnostics.Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A systemd property of the service (ActiveState, NRestarts, MainPID, ...).</summary>
    public string Property(string name) => Shell($"systemctl show -p {name} --value edgecnn.service");

    /// <summary>
    /// The box's time now (seconds since the epoch), to read only the journal after it. A time, not a journal cursor:
    /// the newest entry's cursor may sit in the login user's journal file, and reading "after" it skipped entries.
    /// </summary>
    public string Cursor() => Shell("date +%s.%N");

    /// <summary>The service's journal lines since <paramref name="cursor"/> (with systemd's own lines about it).</summary>
    public string JournalAfter(string cursor, string options = "") =>
        Shell($"journalctl -u edgecnn.service --since '@{cursor}' --no-pager -o cat {options}");

    /// <summary>Waits until <paramref name="done"/> holds for the box, polling every second.</summary>
    public bool WaitFor(Func<bool> done, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (done()) return true;
            Thread.Sleep(1000);
        }
        return done();
    }

    /// <summary>A number as systemctl show prints it.</summary>
    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Run(string script, string[] arguments, TimeSpan timeout) => Repository.Run(script, arguments, Environment, timeout);

    public void Dispose()
    {
        Run("scripts/pibox.sh", ["down"], TimeSpan.FromMinutes(2));
        if (Directory.Exists(Release)) Directory.Delete(Release, recursive: true);
        File.Delete(GoodSettings);
    }
}
