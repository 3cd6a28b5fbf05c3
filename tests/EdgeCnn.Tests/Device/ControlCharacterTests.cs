using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Systemd;
using EdgeCnn.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// A class name with a newline (a training folder named so) would travel into the journal and systemd's notify
/// socket, where a newline starts a new record: a forged journal entry, or a notify field (WATCHDOG_USEC, MAINPID)
/// that systemd obeys. Such labels are refused where they start (the class folder) and where they are read (the
/// manifest), and what the device writes to those channels is one line whatever it holds.
/// </summary>
public sealed class ControlCharacterTests : IDisposable
{
    private const string Forged = "bird\nMAINPID=1\nWATCHDOG_USEC=1";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_manifest_label_with_a_control_character_is_refused_naming_the_field()
    {
        File.WriteAllText(_folder["m.json"], $$"""{ "labels": ["background", "bird\nMAINPID=1"], "preprocessing": { "width": 8, "height": 8, "channels": 1, "mean": [0], "std": [1] }, "inputName": "input", "outputName": "output" }""");

        var error = Assert.Throws<InvalidDataException>(() => ModelManifest.Load(_folder["m.json"]));

        Assert.Contains("m.json: labels[1] 'bird\\u000aMAINPID=1' holds a control character", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_class_folder_with_a_control_character_is_refused_before_training()
    {
        foreach (string name in new[] { "background", "bird\u001b[31m" })
        {
            Directory.CreateDirectory(Path.Combine(_folder.Path, "data", name));
            File.WriteAllBytes(Path.Combine(_folder.Path, "data", name, "a.png"), [0]);
        }

        var error = Assert.Throws<InvalidDataException>(() => EdgeCnn.Trainer.Data.ImageFolder.DiscoverClasses(Path.Combine(_folder.Path, "data")));

        Assert.Contains("class folder 'bird\\u001b[31m' holds a control character; a class name must be printable: rename its folder", error.Message);
    }

    [Fact]
    public void A_status_with_newlines_reaches_systemd_as_one_status_field()
    {
        using var socket = new NotifySocket(_folder["notify"]);
        using var notifier = new SystemdNotifier(socket.Path, null, null);

        notifier.Ready(Forged);
        notifier.Stopping();

        List<string> messages = socket.ReadUntil(m => m.Contains("STOPPING=1"), TimeSpan.FromSeconds(5));
        Assert.Equal(["READY=1\nSTATUS=bird\\nMAINPID=1\\nWATCHDOG_USEC=1", "STOPPING=1"], messages);
    }

    [Fact]
    public void A_log_message_with_a_newline_is_one_journal_line()
    {
        var formatter = new DeviceConsoleFormatter();
        var journal = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Information, "EdgeCnn.Device.Loop.FrameLoop", default, "rule for " + Forged + "\n<0>kernel panic", null, (s, _) => s);

        formatter.Write(entry, null, journal);

        string[] lines = journal.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.EndsWith("rule for bird\\nMAINPID=1\\nWATCHDOG_USEC=1\\n<0>kernel panic", lines[0]);
    }
}
