using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace EdgeCnn.Tests.Scripts;

/// <summary>
/// scripts/deploy.sh against the Pi in a box: a real sshd, a real systemd as PID 1, the hardened unit running the
/// published .NET service on a clip with the simulated GPIO driver. The proof that the unit's sandbox lets the
/// service run, and that systemd restarts it, switches its outputs off and leaves a bad configuration alone.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PiBoxCollection.Name)]
public sealed class PiBoxTests(PiBox box) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string GoodSettings => box.GoodSettings;

    // The release and settings every test starts from (a no-op when another test left them so).
    private void Deployed()
    {
        (int exit, string output) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--wait", "120");
        Assert.True(exit == 0, output);
        Assert.True(box.WaitFor(() => box.Property("ActiveState") == "active", TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void A_first_deploy_sets_the_pi_up_and_the_hardened_unit_runs_the_service_under_real_systemd()
    {
        // The fixture's first deploy to a fresh box.
        string cursor = box.FirstDeployCursor;
        (int exit, string output) = box.FirstDeploy;

        Assert.True(exit == 0, output);
        Assert.Contains("first deploy: running pi-setup.sh", output);
        Assert.Contains("pi-setup: done", output);
        Assert.Contains("edgecnn is running: classifying", output);
        string groups = box.Shell("id -nG edgecnn");
        Assert.Contains("gpio", groups);
        Assert.Contains("video", groups);
        Assert.Equal("yes", box.Shell("test -f /etc/udev/rules.d/60-edgecnn-gpio.rules && echo yes"));
        // Settings may hold secrets: the service's group reads them, nobody else.
        Assert.Equal("640 root edgecnn", box.Shell("stat -c '%a %U %G' /etc/edgecnn/edgecnn.json"));
        Assert.Equal("600 root root", box.Shell("stat -c '%a %U %G' /etc/edgecnn/secrets.env"));

        // READY=1 only after the first classified frame: it carries that frame in its status. (Not the journal's order:
        // the service's log line travels through the console logger's queue and stdout, READY=1 through the notify
        // socket, and the two can reach the journal either way round.)
        string journal = box.JournalAfter(cursor);
        Assert.Contains("first frame classified", journal);
        Assert.Contains("Started edgecnn.service", journal);
        Assert.StartsWith("classifying; first frame: ", box.Property("StatusText"));

        // The sandbox the service ran in, as systemd rates it.
        string security = box.Shell("systemd-analyze security edgecnn.service --no-pager | tail -1");
        double exposure = double.Parse(System.Text.RegularExpressions.Regex.Match(security, @"level for edgecnn\.service: ([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, security);

        // The same deploy again changes nothing, and the service is not restarted.
        string pid = box.Property("MainPID");
        (exit, output) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--wait", "120");
        Assert.True(exit == 0, output);
        Assert.Contains("nothing changed", output);
        Assert.Equal(pid, box.Property("MainPID"));
    }

    [Fact]
    public void A_killed_service_and_a_hung_one_are_restarted_by_systemd_with_the_outputs_switched_off_each_time()
    {
        Deployed();
        int restarts = int.Parse(box.Property("NRestarts"), System.Globalization.CultureInfo.InvariantCulture);

        string cursor = box.Cursor();
        box.Shell($"kill -9 {box.Property("MainPID")}");
        Assert.True(box.WaitFor(() => box.Property("NRestarts") == PiBox.Number(restarts + 1) && box.Property("ActiveState") == "active", TimeSpan.FromSeconds(90)), box.JournalAfter(cursor));
        string journal = box.JournalAfter(cursor);
        Assert.Contains("Failed with result 'signal'", journal);
        Assert.Contains("output(s) off: led (GPIO 17), buzzer (GPIO 27)", journal);

        // A hung frame loop (the process stopped): no more watchdog pings, so systemd kills and restarts it.
        cursor = box.Cursor();
        box.Shell($"kill -STOP {box.Property("MainPID")}");
        Assert.True(box.WaitFor(() => box.Property("NRestarts") == PiBox.Number(restarts + 2) && box.Property("ActiveState") == "active", TimeSpan.FromSeconds(120)), box.JournalAfter(cursor));
        journal = box.JournalAfter(cursor);
        Assert.Contains("Failed with result 'watchdog'", journal);
        Assert.Contains("output(s) off: led (GPIO 17), buzzer (GPIO 27)", journal);
    }

    [Fact]
    public void A_bad_configuration_exits_2_is_not_restarted_and_its_deploy_is_undone_with_its_model()
    {
        Deployed();
        string good = box.Shell("cat /etc/edgecnn/edgecnn.json");
        string model = _folder["shoes.onnx"];
        File.Copy(Repository.File("models/fashion-mnist.onnx"), model);
        File.Copy(Repository.File("models/fashion-mnist.json"), _folder["shoes.json"]);
        string bad = PiBox.WriteSettings(_folder["bad.json"], s => s["Rules"]![0]!["Class"] = "Dog");

        string cursor = box.Cursor();
        (int exit, string output) = box.Deploy("--from", box.Release, "--config", bad, "--model", model, "--wait", "40");

        Assert.Equal(1, exit);
        Assert.Contains("with its settings, model and unit", output);
        string journal = box.JournalAfter(cursor);
        Assert.Contains("configuration error: Rules:0:Class 'Dog' is not a label of the model", journal);
        Assert.Contains("Failed with result 'exit-code'", journal);
        Assert.DoesNotContain("Scheduled restart job", journal);
        // Undone completely: the settings, the model choice and the models are as before, and the service runs.
        Assert.Equal(good, box.Shell("cat /etc/edgecnn/edgecnn.json"));
        Assert.Equal("absent", box.Shell("test -e /etc/edgecnn/model.env && echo present || echo absent"));
        Assert.Equal("absent", box.Shell("test -e /etc/edgecnn/models/shoes.onnx && echo present || echo absent"));
        Assert.True(box.WaitFor(() => box.Property("ActiveState") == "active", TimeSpan.FromSeconds(60)));
        // The upload (the settings, maybe secrets) is gone from the Pi's /tmp after the failure too.
        Assert.Equal("0", box.Shell("ls -d /tmp/edgecnn-deploy.* 2>/dev/null | wc -l"));
    }

    [Fact]
    public void Rollback_returns_to_the_previous_release_and_a_model_only_deploy_is_reloaded_without_a_restart()
    {
        Deployed();
        string first = File.ReadAllText(Path.Combine(box.Release, "VERSION")).Trim();
        string second = _folder["release-2"];
        CopyFolder(box.Release, second);
        File.WriteAllText(Path.Combine(second, "VERSION"), "box-second\n");
        (int exit, string output) = box.Deploy("--from", second, "--config", GoodSettings, "--wait", "120");
        Assert.True(exit == 0, output);
        Assert.Equal("/opt/edgecnn/releases/box-second", box.Shell("readlink /opt/edgecnn/current"));

        (exit, output) = box.Deploy("--rollback", "--wait", "120");
        Assert.True(exit == 0, output);
        Assert.Contains($"rolled back: current is {first}", output);
        Assert.Equal($"/opt/edgecnn/releases/{first}", box.Shell("readlink /opt/edgecnn/current"));

        // A model of our own: the first deploy of it changes the model choice, so the service restarts.
        string model = _folder["shoes.onnx"];
        File.Copy(Repository.File("models/fashion-mnist.onnx"), model);
        File.Copy(Repository.File("models/fashion-mnist.json"), _folder["shoes.json"]);
        (exit, output) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--model", model, "--wait", "120");
        Assert.True(exit == 0, output);
        string pid = box.Property("MainPID");

        // The same model retrained (here: the same weights with another doc string, so other bytes): only the model
        // changes, and the running service swaps it in by itself.
        using (var stream = new FileStream(model, FileMode.Append)) stream.Write([0x32, 0x01, (byte)'2']);
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(_folder["shoes.json"]))!.AsObject();
        manifest["modelSha256"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model)));
        File.WriteAllText(_folder["shoes.json"], manifest.ToJsonString());
        string cursor = box.Cursor();
        (exit, output) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--model", model, "--wait", "120");
        Assert.True(exit == 0, output);
        Assert.Contains("only the model changed", output);
        Assert.True(box.WaitFor(() => box.JournalAfter(cursor).Contains("model reloaded", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), box.JournalAfter(cursor));
        Assert.Equal(pid, box.Property("MainPID"));
    }

    [Fact]
    public void A_model_only_deploy_waits_for_the_reload_a_refused_model_is_put_back_and_new_classes_get_a_restart()
    {
        Deployed();
        string model = _folder["shoes.onnx"], manifestPath = _folder["shoes.json"];
        File.Copy(Repository.File("models/fashion-mnist.onnx"), model);
        File.Copy(Repository.File("models/fashion-mnist.json"), manifestPath);
        (int exit, string output) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--model", model, "--wait", "120");
        Assert.True(exit == 0, output);
        string pid = box.Property("MainPID");
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        string sha = manifest["modelSha256"]!.GetValue<string>();

        // The same weights with a re-calibrated open-set threshold: only the manifest changes, and that is a reload.
        Assert.True(ReloadDeploy(manifest, s => s["openSet"]!["threshold"] = 0.61, out output) == 0, output);
        Assert.Contains("model reloaded: /etc/edgecnn/models/shoes.onnx", output);
        string accepted = box.Shell("cat /etc/edgecnn/models/shoes.json");

        // A manifest whose SHA-256 is not the model's: the running service refuses it; the deploy fails and puts the
        // accepted model back, so that a restart runs what runs now.
        Assert.Equal(1, ReloadDeploy(manifest, s => s["modelSha256"] = new string('0', 64), out output));
        Assert.Contains("was refused, the running one stays", output);
        Assert.Contains("the previous model is back in place", output);
        Assert.Equal(accepted, box.Shell("cat /etc/edgecnn/models/shoes.json"));
        Assert.Equal(pid, box.Property("MainPID"));

        // Putting the model back kept the folder the service watches: the next model is reloaded as before.
        Assert.True(ReloadDeploy(manifest, s => { s["modelSha256"] = sha; s["openSet"]!["threshold"] = 0.62; }, out output) == 0, output);
        Assert.Contains("model reloaded: /etc/edgecnn/models/shoes.onnx", output);
        Assert.Equal(pid, box.Property("MainPID"));

        // Other classes cannot be hot-reloaded (the rules are bound to the running model's): the service is restarted with them.
        Assert.True(ReloadDeploy(manifest, s => s["labels"]![0] = "tee", out output) == 0, output);
        Assert.Contains("its labels (tee,", output);
        Assert.Contains("the new model has other classes: restarting the service", output);
        Assert.Contains("edgecnn is running", output);
        Assert.NotEqual(pid, box.Property("MainPID"));

        int ReloadDeploy(JsonObject changed, Action<JsonObject> change, out string text)
        {
            change(changed);
            File.WriteAllText(manifestPath, changed.ToJsonString());
            (int code, text) = box.Deploy("--from", box.Release, "--config", GoodSettings, "--model", model, "--wait", "60");
            return code;
        }
    }

    [Fact]
    public void A_deploy_goes_on_when_its_connection_drops_and_one_cut_off_is_finished_by_the_next_run()
    {
        Deployed();
        // The laptop's Wi-Fi drops while the deploy waits for the service: the Pi's half goes on to the end.
        string dropped = Release("box-dropped");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (System.Diagnostics.Process deploy = box.StartDeploy(output, "--from", dropped, "--config", GoodSettings, "--wait", "120"))
        {
            Assert.True(SpinWait.SpinUntil(() => output.Any(l => l.Contains("waiting up to", StringComparison.Ordinal)), TimeSpan.FromMinutes(3)), string.Join("\n", output));
            deploy.Kill(entireProcessTree: true);
            deploy.WaitForExit();
        }
        Assert.True(box.WaitFor(() => box.Exec("pgrep -f '^bash -s$'").ExitCode != 0, TimeSpan.FromSeconds(150)), box.Shell("ps aux"));
        Assert.Equal("/opt/edgecnn/releases/box-dropped", box.Shell("readlink /opt/edgecnn/current"));
        Assert.Equal("absent", box.Shell("test -e /opt/edgecnn/deploy-in-progress && echo present || echo absent"));
        Assert.Equal("active", box.Property("ActiveState"));

        // A deploy cut off for good (the Pi lost power, the process was killed) leaves its marker; the next run finishes it.
        string cut = Release("box-cut-off");
        output.Clear();
        using (System.Diagnostics.Process deploy = box.StartDeploy(output, "--from", cut, "--config", GoodSettings, "--wait", "120"))
        {
            Assert.True(SpinWait.SpinUntil(() => output.Any(l => l.Contains("waiting up to", StringComparison.Ordinal)), TimeSpan.FromMinutes(3)), string.Join("\n", output));
            box.Exec("pkill -9 -f '^bash -s$'");
            deploy.Kill(entireProcessTree: true);
            deploy.WaitForExit();
        }
        Assert.Equal("present", box.Shell("test -e /opt/edgecnn/deploy-in-progress && echo present || echo absent"));

        (int exit, string again) = box.Deploy("--from", cut, "--config", GoodSettings, "--wait", "120");

        Assert.True(exit == 0, again);
        Assert.Contains("the deploy of box-cut-off did not finish", again);
        Assert.Contains("edgecnn is running", again);
        Assert.DoesNotContain("nothing changed", again);
        Assert.Equal("absent", box.Shell("test -e /opt/edgecnn/deploy-in-progress && echo present || echo absent"));

        string Release(string version)
        {
            string folder = _folder[$"release-{version}"];
            CopyFolder(box.Release, folder);
            File.WriteAllText(Path.Combine(folder, "VERSION"), version + "\n");
            return folder;
        }
    }

    [Fact]
    public void A_release_built_by_another_uid_is_installed_root_owned_and_not_writable_by_the_service()
    {
        Deployed();
        string other = _folder["release-uid"];
        CopyFolder(box.Release, other);
        File.WriteAllText(Path.Combine(other, "VERSION"), "box-uid-1000\n");
        // As a user's desktop builds it: files owned by uid 1000, which is the Pi's login user (pi) in the box.
        Assert.Equal(0, Repository.Run("chown", ["-R", "1000:1000", other]).ExitCode);

        (int exit, string output) = box.Deploy("--from", other, "--config", GoodSettings, "--wait", "120");

        Assert.True(exit == 0, output);
        Assert.Equal("0", box.Shell("find /opt/edgecnn/releases/box-uid-1000 ! -user root | wc -l"));
        Assert.Equal("0", box.Shell("find /opt/edgecnn/releases/box-uid-1000 -perm /022 ! -type l | wc -l"));
        Assert.Equal("no", box.Shell("runuser -u edgecnn -- test -w /opt/edgecnn/releases/box-uid-1000/pi-setup.sh && echo yes || echo no"));
    }

    [Fact]
    public void A_service_that_keeps_failing_is_restarted_without_end_within_its_memory_and_task_limits()
    {
        Deployed();
        Assert.Equal(PiBox.Number(512 * 1024 * 1024), box.Property("MemoryMax"));
        Assert.Equal("128", box.Property("TasksMax"));
        Assert.Equal("0", box.Shell("systemctl show -p StartLimitIntervalUSec --value edgecnn.service"));
        string cursor = box.Cursor();
        int restartsBefore = int.Parse(box.Property("NRestarts"), System.Globalization.CultureInfo.InvariantCulture);

        // Twelve crashes in a row, each as soon as the service is started again: more than the 10 starts in 10
        // minutes after which systemd's default (and this unit before) gives up for good.
        string pid = box.Property("MainPID");
        for (int crash = 0; crash < 12; crash++)
        {
            string victim = pid;
            Assert.True(box.WaitFor(() => (pid = box.Property("MainPID")) is not "0" && pid != victim || crash == 0, TimeSpan.FromSeconds(60)),
                $"crash {crash}: not started again\n{box.JournalAfter(cursor)}");
            box.Shell($"kill -9 {pid}");
        }

        // Until systemd has seen the last kill, the service still reads "active" with the killed process: wait for a new one.
        string last = pid;
        Assert.True(box.WaitFor(() => box.Property("MainPID") is string now && now != "0" && now != last && box.Property("ActiveState") == "active", TimeSpan.FromSeconds(90)),
            box.JournalAfter(cursor));
        string journal = box.JournalAfter(cursor);
        // systemd's own word for each restart it scheduled after a crash.
        int scheduled = journal.Split('\n').Count(l => l.Contains("Scheduled restart job", StringComparison.Ordinal));
        Assert.True(scheduled >= 12, $"{scheduled} restarts scheduled (NRestarts {box.Property("NRestarts")}, {restartsBefore} before):\n{journal}");
        Assert.DoesNotContain("Start request repeated too quickly", journal);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}

/// <summary>One box for all the tests that use it, booted once.</summary>
[CollectionDefinition(Name)]
public sealed class PiBoxCollection : ICollectionFixture<PiBox>
{
    public const string Name = "Pi in a box";
}
