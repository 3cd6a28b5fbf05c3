using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeCnn.Tests.Scripts;

/// <summary>
/// The fleet playbook for real: three Pi boxes booted at once (scripts/pibox.sh up --count 3, each its own machine-id,
/// host name and sshd port), one mosquitto on this machine, Debian's ansible-playbook run as docs/fleet.md writes it.
/// The rollout deploys to all three, a second run changes nothing, a release whose settings are broken on one device
/// stops the rollout there with that device put back and the one after it untouched, and <c>edgecnn-device fleet</c>
/// lists the devices online with their model.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PiFleetCollection.Name)]
public sealed partial class FleetTests : IDisposable
{
    private const int Boxes = 3;
    private const int FirstPort = 2231;
    private static readonly Dictionary<string, string> BoxEnvironment = new()
    {
        ["EDGECNN_PIBOX_DIR"] = "/var/tmp/edgecnn-fleet",
        ["EDGECNN_PIBOX_PORT"] = $"{FirstPort}",
    };
    private readonly TempFolder _folder = new();
    private readonly MosquittoBroker _broker;
    private readonly string _release;

    public FleetTests()
    {
        _broker = new MosquittoBroker(_folder["broker"]);
        Repository.Run("scripts/pibox.sh", ["down", "--count", $"{Boxes}"], BoxEnvironment, TimeSpan.FromMinutes(2));
        (int exit, string output) = Repository.Run("scripts/pibox.sh", ["up", "--count", $"{Boxes}"], BoxEnvironment, TimeSpan.FromMinutes(15));
        if (exit != 0) throw new InvalidOperationException($"scripts/pibox.sh up --count {Boxes} failed:\n{output}");
        _release = _folder["release"];
        (exit, output) = Repository.Run("scripts/publish.sh", ["--rid", "linux-x64", "-o", _release], timeout: TimeSpan.FromMinutes(10));
        if (exit != 0) throw new InvalidOperationException($"scripts/publish.sh failed:\n{output}");
        for (int i = 1; i <= Boxes; i++)
        {
            Directory.CreateDirectory(Path.Combine(Root(i), "srv/edgecnn"));
            File.Copy(Repository.File("models/samples/fashion-mnist-scene.mp4"), Path.Combine(Root(i), "srv/edgecnn/clip.mp4"), overwrite: true);
        }
    }

    public void Dispose()
    {
        Repository.Run("scripts/pibox.sh", ["down", "--count", $"{Boxes}"], BoxEnvironment, TimeSpan.FromMinutes(2));
        _broker.Dispose();
        _folder.Dispose();
    }

    private static string Root(int box) => $"/var/tmp/edgecnn-fleet-{box}/root";

    private static string Exec(int box, string command)
    {
        (int exit, string output) = Repository.Run("scripts/pibox.sh", ["exec", "bash", "-c", command],
            new() { ["EDGECNN_PIBOX_DIR"] = $"/var/tmp/edgecnn-fleet-{box}" }, TimeSpan.FromMinutes(2));
        return exit == 0 ? output.Trim() : throw new InvalidOperationException($"'{command}' in box {box} exited {exit}:\n{output}");
    }

    // The inventory as a user writes it: the boxes from pibox.sh, the release, and each device's settings (the Pi's
    // shipped ones with the clip for a camera, MQTT to this machine's broker); the broker password as a secret.
    private string Inventory(string release, Func<int, JsonObject, JsonObject>? change = null)
    {
        string boxes = Repository.Run("scripts/pibox.sh", ["inventory", "--count", $"{Boxes}"], BoxEnvironment).Output;
        var hosts = new JsonObject();
        foreach (Match host in HostLine().Matches(boxes))
        {
            int i = int.Parse(host.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture);
            JsonObject settings = JsonNode.Parse(File.ReadAllText(PiBox.WriteSettings(_folder[$"settings-{i}.json"])))!.AsObject();
            settings["Mqtt"] = new JsonObject
            {
                ["Enabled"] = true, ["Host"] = "127.0.0.1", ["Port"] = _broker.Port, ["Username"] = MosquittoBroker.User, ["DeviceId"] = $"pibox-{i}",
            };
            // The third has its status endpoint on (the boxes share this machine's network: a port each).
            if (i == 3) settings["Http"] = new JsonObject { ["Enabled"] = true, ["Urls"] = "http://127.0.0.1:18093" };
            hosts[$"pibox-{i}"] = new JsonObject
            {
                ["ansible_host"] = "127.0.0.1",
                ["ansible_port"] = int.Parse(host.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture),
                ["ansible_user"] = "pi",
                ["ansible_ssh_private_key_file"] = host.Groups["key"].Value.Trim(),
                ["edgecnn_settings"] = change?.Invoke(i, settings) ?? settings,
            };
        }
        Assert.Equal(Boxes, hosts.Count);
        var inventory = new JsonObject
        {
            ["all"] = new JsonObject
            {
                ["children"] = new JsonObject
                {
                    ["edgecnn"] = new JsonObject
                    {
                        ["hosts"] = hosts,
                        ["vars"] = new JsonObject
                        {
                            // Each boot makes new host keys.
                            ["ansible_ssh_common_args"] = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                            ["edgecnn_release"] = release,
                            ["edgecnn_secrets"] = new JsonObject { ["EDGECNN_Mqtt__Password"] = MosquittoBroker.Password },
                        },
                    },
                },
            },
        };
        string path = _folder[$"inventory-{Guid.NewGuid():N}.yml"];
        File.WriteAllText(path, inventory.ToJsonString()); // JSON is YAML
        return path;
    }

    [GeneratedRegex(@"pibox-(?<i>\d+): \{ ansible_host: 127\.0\.0\.1, ansible_port: (?<port>\d+), ansible_user: pi, ansible_ssh_private_key_file: (?<key>[^ }]+)")]
    private static partial Regex HostLine();

    private (int Exit, string Output) Playbook(string inventory, params string[] extra) =>
        Repository.Run("ansible-playbook", ["-i", inventory, "fleet/playbook.yml", "-e", $"edgecnn_prometheus_targets={_folder["targets.yml"]}", .. extra],
            new() { ["ANSIBLE_FORCE_COLOR"] = "0" }, TimeSpan.FromMinutes(20));

    // The PLAY RECAP line of a device: ok, changed, failed.
    private static (int Ok, int Changed, int Failed)? Recap(string output, string host)
    {
        Match m = Regex.Match(output, $@"^{host}\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", RegexOptions.Multiline);
        return m.Success ? (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)) : null;
    }

    private static string Current(int box) => Exec(box, "basename \"$(readlink /opt/edgecnn/current)\"");

    [Fact]
    public void The_playbook_rolls_out_to_three_devices_changes_nothing_the_second_time_and_stops_at_a_device_that_fails()
    {
        string version = File.ReadAllText(Path.Combine(_release, "VERSION")).Trim();
        // The fleet's model, chosen by name: a new model later is a new file under the same name.
        string model = _folder["v1/fleet-model.onnx"];
        Directory.CreateDirectory(_folder["v1"]);
        File.Copy(Repository.File("models/fashion-mnist-int8.onnx"), model);
        File.Copy(Repository.File("models/fashion-mnist-int8.json"), _folder["v1/fleet-model.json"]);
        var took = Stopwatch.StartNew();
        (int exit, string output) = Playbook(Inventory(_release), "-e", $"edgecnn_model={model}");
        took.Stop();
        Assert.True(exit == 0, output);
        for (int i = 1; i <= Boxes; i++)
        {
            Assert.True(Recap(output, $"pibox-{i}") is { Changed: > 0, Failed: 0 }, output);
            Assert.Equal("active", Exec(i, "systemctl is-active edgecnn.service"));
            Assert.Equal(version, Current(i));
            // The secret went to the device, root only, and never into Ansible's output.
            Assert.Equal("600 root", Exec(i, "stat -c '%a %U' /etc/edgecnn/secrets.env"));
            Assert.Contains(MosquittoBroker.Password, Exec(i, "cat /etc/edgecnn/secrets.env"));
        }
        Assert.DoesNotContain(MosquittoBroker.Password, output);
        Console.WriteLine($"fleet: first rollout to {Boxes} boxes took {took.Elapsed.TotalSeconds:0} s");
        // Prometheus' scrape targets: the device with its endpoint on, labelled with its MQTT id.
        string targets = File.ReadAllText(_folder["targets.yml"]);
        Assert.Contains("- 127.0.0.1:18093", targets);
        Assert.Contains("device: pibox-3", targets);
        Assert.Single(Regex.Matches(targets, "targets:"));

        // Nothing new: changed=0 everywhere, the services left running.
        string restarts = Exec(2, "systemctl show -p NRestarts --value edgecnn.service") + Exec(2, "systemctl show -p MainPID --value edgecnn.service");
        took.Restart();
        (exit, output) = Playbook(Inventory(_release), "-e", $"edgecnn_model={model}");
        Console.WriteLine($"fleet: a second run with nothing new took {took.Elapsed.TotalSeconds:0} s");
        Assert.True(exit == 0, output);
        for (int i = 1; i <= Boxes; i++) Assert.True(Recap(output, $"pibox-{i}") is { Changed: 0, Failed: 0 }, output);
        Assert.Equal(restarts, Exec(2, "systemctl show -p NRestarts --value edgecnn.service") + Exec(2, "systemctl show -p MainPID --value edgecnn.service"));

        // A model-only rollout (a new model under the same name): each device hot-reloads it, no restart, and says so.
        string pids = string.Concat(Enumerable.Range(1, Boxes).Select(i => Exec(i, "systemctl show -p MainPID --value edgecnn.service")));
        model = _folder["v2/fleet-model.onnx"];
        Directory.CreateDirectory(_folder["v2"]);
        File.Copy(Repository.File("models/fashion-mnist.onnx"), model);
        File.Copy(Repository.File("models/fashion-mnist.json"), _folder["v2/fleet-model.json"]);
        took.Restart();
        (exit, output) = Playbook(Inventory(_release), "-e", $"edgecnn_model={model}");
        Console.WriteLine($"fleet: a model-only rollout took {took.Elapsed.TotalSeconds:0} s");
        Assert.True(exit == 0, output);
        for (int i = 1; i <= Boxes; i++) Assert.True(Recap(output, $"pibox-{i}") is { Changed: > 0, Failed: 0 }, output);
        Assert.Equal(Boxes, Regex.Matches(output, "model reloaded: ").Count);
        Assert.Equal(pids, string.Concat(Enumerable.Range(1, Boxes).Select(i => Exec(i, "systemctl show -p MainPID --value edgecnn.service"))));

        // The fleet view: three devices online, one model.
        (exit, output) = Repository.Run("scripts/edgecnn-device", ["fleet", "--broker", "127.0.0.1", "--port", $"{_broker.Port}", "--username", MosquittoBroker.User, "--json"],
            new() { ["EDGECNN_FLEET_PASSWORD"] = MosquittoBroker.Password }, TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, output);
        JsonArray devices = JsonNode.Parse(output[output.IndexOf('[', StringComparison.Ordinal)..])!.AsArray();
        Assert.Equal(["pibox-1", "pibox-2", "pibox-3"], devices.Select(d => (string)d!["device"]!));
        Assert.All(devices, d => Assert.True((bool)d!["online"]!));
        // Every device says it runs the model just rolled out (each announces a reloaded model within a second).
        string rolledOut = EdgeCnn.Vision.ModelManifest.Load(_folder["v2/fleet-model.json"]).ModelSha256;
        Assert.All(devices, d => Assert.Equal(rolledOut, (string?)d!["modelSha256"]));

        // A new release whose settings are broken on the second device: the canary takes it, the second is put back
        // and stops the rollout, the third is never touched.
        string next = _folder["release-next"];
        Repository.Run("cp", ["-a", _release, next]);
        File.WriteAllText(Path.Combine(next, "VERSION"), version + "-next\n");
        (exit, output) = Playbook(Inventory(next, (i, settings) =>
        {
            if (i == 2) settings["Rules"]![0]!["Class"] = "no-such-class";
            return settings;
        }), "-e", $"edgecnn_model={model}");
        Assert.NotEqual(0, exit);
        Assert.True(Recap(output, "pibox-1") is { Changed: > 0, Failed: 0 }, output);
        Assert.True(Recap(output, "pibox-2") is { Failed: 1 }, output);
        Assert.Contains("rolled back to", output);
        Assert.Equal(version + "-next", Current(1));
        Assert.Equal(version, Current(2));
        Assert.Equal("active", Exec(2, "systemctl is-active edgecnn.service"));
        Assert.Equal(version, Current(3));
        Assert.True(Recap(output, "pibox-3") is null or { Ok: 0 }, output);
    }
}

/// <summary>The fleet's alerting rules, checked by Prometheus' own tool.</summary>
public sealed class FleetAlertsTests
{
    [Fact]
    public void The_fleet_alerts_are_valid_Prometheus_rules()
    {
        (int exit, string output) = Repository.Run("promtool", ["check", "rules", "fleet/alerts.yml"]);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 4 rules found", output);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PiFleetCollection
{
    public const string Name = "Pi fleet";
}
