namespace EdgeCnn.Tests.Scripts;

/// <summary>scripts/deploy.sh against a real sshd on 127.0.0.1, installing under a prefix with systemctl skipped.</summary>
[Trait("Category", "Integration")]
public sealed class DeployTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SshServer _ssh;
    private readonly string _prefix;

    public DeployTests()
    {
        _ssh = new SshServer(_folder["ssh"]);
        _prefix = _folder["target"];
        _ssh.GiveToUser(_prefix);
    }

    public void Dispose()
    {
        _ssh.Dispose();
        _folder.Dispose();
    }

    // A stand-in for scripts/publish.sh's output: the real unit, setup script and settings, a fake executable.
    private string Publish(string version, string executable = "#!/bin/sh\necho edgecnn-device\n")
    {
        string folder = _folder[$"publish-{version}"];
        Directory.CreateDirectory(Path.Combine(folder, "models"));
        File.WriteAllText(Path.Combine(folder, "VERSION"), version + "\n");
        File.WriteAllText(Path.Combine(folder, "edgecnn-device"), executable);
        File.Copy(Repository.File("systemd/edgecnn.service"), Path.Combine(folder, "edgecnn.service"));
        File.Copy(Repository.File("scripts/pi-setup.sh"), Path.Combine(folder, "pi-setup.sh"));
        File.Copy(Repository.File("models/pi-settings.json"), Path.Combine(folder, "models/pi-settings.json"));
        return folder;
    }

    private (int ExitCode, string Output) Deploy(params string[] options) =>
        Repository.Run("scripts/deploy.sh", [_ssh.Target, "-p", _ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", _ssh.ClientKey, "--prefix", _prefix, "--no-systemctl", .. options],
            new() { ["EDGECNN_SSH_OPTIONS"] = SshServer.Options }, TimeSpan.FromMinutes(2));

    private string Target(string path) => Path.Combine(_prefix, path);

    private string Current => File.ResolveLinkTarget(Target("opt/edgecnn/current"), returnFinalTarget: false)!.FullName;

    [Fact]
    public void Deploys_switch_current_atomically_are_idempotent_and_roll_back()
    {
        string first = Publish("1.0.0-a");
        (int exit, string output) = Deploy("--from", first);
        Assert.True(exit == 0, output);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-a"), Current);
        Assert.Equal("echo edgecnn-device", File.ReadAllLines(Path.Combine(Current, "edgecnn-device"))[1]);
        Assert.Equal(File.ReadAllText(Repository.File("models/pi-settings.json")), File.ReadAllText(Target("etc/edgecnn/edgecnn.json")));
        Assert.Equal(File.ReadAllText(Repository.File("systemd/edgecnn.service")), File.ReadAllText(Target("etc/systemd/system/edgecnn.service")));
        Assert.Contains("systemctl skipped", output);

        // The same release again: nothing to do.
        (exit, output) = Deploy("--from", first);
        Assert.True(exit == 0, output);
        Assert.Contains("nothing changed", output);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-a"), Current);
        Assert.False(File.Exists(Target("opt/edgecnn/previous")));

        // A new release with new settings and a model.
        string second = Publish("1.0.0-b", "#!/bin/sh\necho second\n");
        string settings = _folder["my-settings.json"];
        File.WriteAllText(settings, "{ \"Gpio\": { \"Driver\": \"libgpiod\", \"Chip\": 4 } }");
        (exit, output) = Deploy("--from", second, "--config", settings, "--model", Repository.File("models/fashion-mnist.onnx"));
        Assert.True(exit == 0, output);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-b"), Current);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-a"), File.ResolveLinkTarget(Target("opt/edgecnn/previous"), false)!.FullName);
        Assert.Equal(File.ReadAllText(settings), File.ReadAllText(Target("etc/edgecnn/edgecnn.json")));
        // What --rollback returns to: the settings before this deploy.
        Assert.Equal(File.ReadAllText(Repository.File("models/pi-settings.json")), File.ReadAllText(Target("opt/edgecnn/rollback/edgecnn.json")));
        Assert.Equal(File.ReadAllBytes(Repository.File("models/fashion-mnist.onnx")), File.ReadAllBytes(Target("etc/edgecnn/models/fashion-mnist.onnx")));
        Assert.True(File.Exists(Target("etc/edgecnn/models/fashion-mnist.json")));
        Assert.Equal("EDGECNN_Model__Path=/etc/edgecnn/models/fashion-mnist.onnx", File.ReadAllText(Target("etc/edgecnn/model.env")).Trim());

        // Only the model's bytes change (same name): no restart, the service's hot-reload takes it.
        string other = _folder["other"];
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "fashion-mnist.onnx"), "another model");
        File.WriteAllText(Path.Combine(other, "fashion-mnist.json"), "{}");
        (exit, output) = Deploy("--from", second, "--config", settings, "--model", Path.Combine(other, "fashion-mnist.onnx"));
        Assert.True(exit == 0, output);
        Assert.Contains("only the model changed: the service reloads it without a restart", output);
        Assert.Equal("another model", File.ReadAllText(Target("etc/edgecnn/models/fashion-mnist.onnx")));
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-b"), Current);

        (exit, output) = Deploy("--rollback");
        Assert.True(exit == 0, output);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-a"), Current);
        Assert.Equal(Target("opt/edgecnn/releases/1.0.0-b"), File.ResolveLinkTarget(Target("opt/edgecnn/previous"), false)!.FullName);
        Assert.Contains("rolled back", output);
        // With the settings and model of before the last deploy (the model-only one), not only the release.
        Assert.Equal(File.ReadAllBytes(Repository.File("models/fashion-mnist.onnx")), File.ReadAllBytes(Target("etc/edgecnn/models/fashion-mnist.onnx")));
        Assert.Equal(File.ReadAllText(settings), File.ReadAllText(Target("etc/edgecnn/edgecnn.json")));
    }

    [Fact]
    public void A_target_that_refuses_the_key_gets_a_clear_message()
    {
        (int exit, string output) = Repository.Run("scripts/deploy.sh",
            [$"nobody-{Guid.NewGuid():N}"[..12] + "@127.0.0.1", "-p", _ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-i", _ssh.ClientKey, "--from", Publish("1.0.0-c"), "--no-systemctl"],
            new() { ["EDGECNN_SSH_OPTIONS"] = SshServer.Options });

        Assert.Equal(1, exit);
        Assert.Contains("cannot log in to nobody-", output);
        Assert.Contains("ssh-copy-id", output);
    }

    [Fact]
    public void A_version_or_option_that_could_run_commands_on_the_target_is_refused_before_anything_is_sent()
    {
        (int exit, string output) = Deploy("--from", Publish("v1';id;'"));
        Assert.Equal(1, exit);
        Assert.Contains("a version is letters, digits and . _ + - only", output);
        Assert.False(Directory.Exists(Target("opt/edgecnn/releases")));

        (exit, output) = Deploy("--from", Publish("1.0.0-d"), "--wait", "5;id");
        Assert.Equal(2, exit);
        Assert.Contains("--wait 5;id: give a number of seconds", output);
    }

    [Fact]
    public void A_second_deploy_while_one_runs_refuses_with_a_clear_line_and_goes_through_once_it_has_finished()
    {
        string release = Publish("1.0.0-e");
        Directory.CreateDirectory(Target("opt/edgecnn"));
        string lockFile = Target("opt/edgecnn/.deploy.lock");
        File.WriteAllText(lockFile, "");
        _ssh.GiveToUser(_prefix);
        // The first deploy, holding the target's lock (as deploy-remote.sh does while it runs).
        using (var first = System.Diagnostics.Process.Start("flock", [lockFile, "sleep", "60"])!)
        {
            try
            {
                Assert.True(SpinWait.SpinUntil(() => File.Exists(lockFile), TimeSpan.FromSeconds(10)));
                Thread.Sleep(200);
                (int exit, string output) = Deploy("--from", release);
                Assert.Equal(1, exit);
                Assert.Contains("another deploy to this device is running", output);
                Assert.False(Directory.Exists(Target("opt/edgecnn/releases/1.0.0-e")));
            }
            finally
            {
                first.Kill(entireProcessTree: true); // flock and its sleep, which holds the lock too
                first.WaitForExit();
            }
        }
        (int again, string text) = Deploy("--from", release);
        Assert.True(again == 0, text);
    }

    [Fact]
    public void A_deploy_that_fails_on_the_target_leaves_no_upload_folder_there()
    {
        // A target whose release folder cannot be made: the deploy fails after the upload.
        Directory.CreateDirectory(Target("opt/edgecnn"));
        File.WriteAllText(Target("opt/edgecnn/releases"), "not a folder");
        _ssh.GiveToUser(_prefix);
        string[] before = Uploads();

        (int exit, string output) = Deploy("--from", Publish("1.0.0-f"), "--config", Repository.File("models/pi-settings.json"));

        Assert.NotEqual(0, exit);
        Assert.Contains("Copying release 1.0.0-f", output);
        Assert.Equal(before, Uploads());
    }

    // The upload folders on the target (this machine's /tmp, as the ssh user sees it).
    private static string[] Uploads() => [.. Directory.GetDirectories("/tmp", "edgecnn-deploy.*").Order(StringComparer.Ordinal)];
}
