using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeCnn.Device.Cli;
using EdgeCnn.Device.Hosting;
using OpenCvSharp;

namespace EdgeCnn.Tests.Device;

/// <summary>The device's verbs, and the real executable under a NOTIFY_SOCKET the test listens on, stopped by SIGTERM.</summary>
[Trait("Category", "Integration")]
[Collection(TorchCollection.Name)]
public sealed class DeviceCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Config(object source, object[]? rules = null, object? gpio = null, object[]? outputs = null, string? model = null) =>
        DeviceConfigFile.Write(_folder[$"device-{Guid.NewGuid():N}.json"], new
        {
            Model = new { Path = model ?? ShapesModel.ModelPath, IntraOpThreads = 1 },
            Source = source,
            Gpio = gpio ?? new { Driver = "simulated" },
            Outputs = outputs ?? [new { Name = "led", Type = "Led", Pin = 17 }],
            Rules = rules ?? [DeviceConfigFile.Rule("circle-led", "circle", "led")],
        });

    /// <summary>
    /// A copy of the shapes model whose manifest sets the open-set threshold to <paramref name="threshold"/> (null: no
    /// threshold). What the shapes model makes of a blank frame depends on its training run; check's verdict on it
    /// is made certain this way: 0.99 calls the blank frame unknown, no threshold names a shape.
    /// </summary>
    private string ShapesModelWithThreshold(double? threshold)
    {
        string name = threshold is null ? "no-threshold" : "cautious";
        string model = _folder[$"{name}.onnx"];
        File.Copy(ShapesModel.ModelPath, model, overwrite: true);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(ShapesModel.ModelPath, ".json")))!.AsObject();
        if (threshold is double t) manifest["openSet"]!["threshold"] = t;
        else manifest.Remove("openSet");
        File.WriteAllText(Path.ChangeExtension(model, ".json"), manifest.ToJsonString());
        return model;
    }

    [Fact]
    public void Check_calls_a_model_that_names_a_shape_on_a_blank_frame_a_problem()
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 5)]);
        var output = new StringWriter();
        Assert.Equal(1, CheckCommand.Run(Config(new { Type = "file", Path = clip }, model: ShapesModelWithThreshold(null)), output));
        Assert.Matches("PROBLEM  model .*a test inference on a blank grey frame gave (circle|square|triangle) .*cannot tell an empty scene from an object", output.ToString());
    }

    [Fact]
    public void The_service_signals_ready_pings_the_watchdog_and_on_sigterm_switches_the_led_off_and_exits_0()
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        string config = Config(new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } });
        using var socket = new NotifySocket(_folder["notify"]);
        var output = new ConcurrentQueue<string>();
        using Process device = DeviceProcess.Start(["run", "--config", config],
            new() { ["NOTIFY_SOCKET"] = socket.Path, ["WATCHDOG_USEC"] = "1000000", ["WATCHDOG_PID"] = "" }, output);
        try
        {
            List<string> messages = socket.ReadUntil(m => m.Count(x => x == "WATCHDOG=1") >= 3, TimeSpan.FromSeconds(60));
            Assert.True(messages.Count > 0 && messages[0].StartsWith("READY=1\nSTATUS=classifying", StringComparison.Ordinal), string.Join(" | ", messages) + "\n" + string.Join("\n", output));
            Assert.True(messages.Count(m => m == "WATCHDOG=1") >= 3, string.Join(" | ", messages));
            SpinWait.SpinUntil(() => output.Any(l => l.Contains("simulated GPIO 17 high", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
            Assert.Contains(output, l => l.Contains("simulated GPIO 17 high", StringComparison.Ordinal));

            Process.Start("kill", ["-TERM", device.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            Assert.True(device.WaitForExit(30_000), "the service did not stop on SIGTERM");
            device.WaitForExit();
            Assert.Equal(0, device.ExitCode);
            Assert.Contains("STOPPING=1", socket.ReadUntil(m => m.Contains("STOPPING=1"), TimeSpan.FromSeconds(5)).Concat(messages));
            string lastGpio = output.Last(l => l.Contains("simulated GPIO 17", StringComparison.Ordinal));
            Assert.EndsWith("simulated GPIO 17 low", lastGpio);
        }
        finally
        {
            if (!device.HasExited) device.Kill();
        }
    }

    [Fact]
    public void A_bad_configuration_stops_the_service_at_start_naming_every_key()
    {
        string config = Config(new { Type = "file", Path = _folder["missing.avi"] },
            rules: [DeviceConfigFile.Rule("dog-led", "dog", "led"), DeviceConfigFile.Rule("siren", "circle", "siren")]);
        var output = new ConcurrentQueue<string>();
        // The environment overrides the file, and is validated the same way.
        using Process device = DeviceProcess.Start(["--config", config],
            new() { ["EDGECNN_Http__Enabled"] = "true", ["EDGECNN_Http__Urls"] = "https://0.0.0.0:8443" }, output);
        Assert.True(device.WaitForExit(60_000));
        device.WaitForExit();

        Assert.Equal(2, device.ExitCode);
        string all = string.Join("\n", output);
        Assert.Contains("configuration error: Source:Path", all);
        Assert.Contains("configuration error: Http:Urls: 'https://0.0.0.0:8443' is not an http://HOST:PORT address", all);
        Assert.Contains("configuration error: Rules:0:Class 'dog' is not a label of the model; its labels are: circle, square, triangle.", all);
        Assert.Contains("configuration error: Rules:1:Outputs names 'siren', which is not a configured output; the outputs are: led.", all);
    }

    [Fact]
    public void Only_configuration_errors_exit_2_which_systemd_does_not_restart_and_what_may_pass_exits_1()
    {
        // A GPIO chip this machine does not have (nor would the Pi): no restart can fix it.
        var options = new EdgeCnn.Device.Configuration.GpioOptions { Driver = EdgeCnn.Device.Configuration.GpioDriverKind.Libgpiod, Chip = 9 };
        Exception missingChip = Assert.ThrowsAny<Exception>(() => new EdgeCnn.Device.Gpio.GpioHardware(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).OpenController());
        Assert.Equal(EdgeCnn.Device.Configuration.ExitCodes.Configuration, EdgeCnn.Device.Configuration.ExitCodes.For(missingChip));
        // A model that is not one: its file must be replaced.
        File.WriteAllText(_folder["broken.onnx"], "not a model");
        File.Copy(Path.ChangeExtension(ShapesModel.ModelPath, ".json"), _folder["broken.json"]);
        Exception brokenModel = Assert.ThrowsAny<Exception>(() => EdgeCnn.Vision.OnnxClassifier.Open(_folder["broken.onnx"]).Dispose());
        Assert.Equal(EdgeCnn.Device.Configuration.ExitCodes.Configuration, EdgeCnn.Device.Configuration.ExitCodes.For(brokenModel));
        // A pin another program holds at boot (libgpiod's EBUSY), a camera or disk error: systemd retries.
        Assert.Equal(EdgeCnn.Device.Configuration.ExitCodes.Failure, EdgeCnn.Device.Configuration.ExitCodes.For(new IOException("Device or resource busy")));
        Assert.Equal(EdgeCnn.Device.Configuration.ExitCodes.Failure, EdgeCnn.Device.Configuration.ExitCodes.For(new InvalidOperationException("GPIO (libgpiod driver) cannot be opened: busy")));
    }

    [Fact]
    public void An_unknown_verb_is_an_error_naming_the_verbs_even_with_help()
    {
        TextWriter stderr = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.Equal(2, DeviceCommandLine.Invoke(["serve", "--help"]));
        }
        finally
        {
            Console.SetError(stderr);
        }
        Assert.StartsWith("error: 'serve' is not a command; the commands are run, check, bench, tune, capture, off, classify", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_key_or_section_is_a_configuration_error_naming_it_and_the_key_meant()
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 5)]);
        string config = DeviceConfigFile.Write(_folder["typo.json"], new
        {
            Model = new { Path = ShapesModel.ModelPath, IntraOpThreads = 1 },
            Source = new { Type = "file", Path = clip, Region = new { Widht = 0.5 } },
            Gpio = new { Driver = "simulated" },
            Outputs = new[] { new { Name = "led", Type = "Led", Pin = 17, ActivLow = true } },
            Rules = new[] { DeviceConfigFile.Rule("circle-led", "circle", "led") },
            Rule = new { Name = "x" },
        });
        var output = new StringWriter();

        Assert.Equal(2, CheckCommand.Run(config, output));

        string text = output.ToString();
        Assert.Contains("PROBLEM  config   Outputs:0:ActivLow is not a setting (did you mean ActiveLow?); the settings of Outputs:0 are ", text);
        Assert.Contains("PROBLEM  config   Source:Region:Widht is not a setting (did you mean Width?)", text);
        Assert.Contains("PROBLEM  config   Rule is not a settings section (did you mean Rules?); the sections are Model, Source, Gpio, Outputs, Rules, Http, Mqtt, Events, MotionGate, Arming, Inputs, Display.", text);
    }

    [Fact]
    public void A_stalled_stream_is_reconnected_well_before_the_watchdog_and_its_password_is_never_printed()
    {
        // A network camera's stream: MPEG-TS over HTTP, eight seconds of the shapes clip (more than ffmpeg's five-second
        // look at a stream before it decodes), then a stall.
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 96)]);
        string ts = _folder["circles.ts"];
        using (var ffmpeg = Process.Start("ffmpeg", ["-loglevel", "error", "-y", "-i", clip, "-c:v", "mpeg2video", "-q:v", "3", "-f", "mpegts", ts])!)
        {
            Assert.True(ffmpeg.WaitForExit(60_000));
            Assert.Equal(0, ffmpeg.ExitCode);
        }
        using var server = new StallingStreamServer(File.ReadAllBytes(ts));
        const string Password = "pa55-word-secret";
        string url = $"http://viewer:{Password}@127.0.0.1:{server.Port}/live.ts?token={Password}";
        string config = Config(new { Type = "stream", Url = url, Width = 2 * ShapesModel.FrameSize, Height = ShapesModel.FrameSize, StreamTimeout = "00:00:02", ReopenDelay = "00:00:00.2", ReopenMaxDelay = "00:00:01", Region = new { X = 0.5, Width = 0.5 } });
        var output = new ConcurrentQueue<string>();
        using Process device = DeviceProcess.Start(["run", "--config", config], [], output);
        try
        {
            // The default read timeout (30 s) would not give up within this wait; two seconds do, more than once.
            Assert.True(SpinWait.SpinUntil(() => server.Connections >= 3, TimeSpan.FromSeconds(25)), $"{server.Connections} connection(s)\n" + string.Join("\n", output));
            Assert.True(output.Any(l => l.Contains("first frame classified", StringComparison.Ordinal)), string.Join("\n", output));
            Assert.Contains(output, l => l.Contains("source lost", StringComparison.Ordinal));
            Assert.Contains(output, l => l.Contains($"stream http://***@127.0.0.1:{server.Port}/live.ts?token=***", StringComparison.Ordinal));

            var check = new StringWriter();
            CheckCommand.Run(config, check);
            Assert.Contains("stream http://***@", check.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Password, check.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!device.HasExited) device.Kill();
            device.WaitForExit();
        }
        Assert.DoesNotContain(output, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void Under_systemd_ready_waits_for_the_first_frame_and_warnings_reach_the_journal_at_their_priority()
    {
        // A camera that never delivers (no /dev/video7 here): the service starts, but no frame is ever classified.
        string config = Config(new { Type = "v4l2", Device = "/dev/video7", ReopenDelay = "00:00:00.2", ReopenMaxDelay = "00:00:00.5" });
        using var socket = new NotifySocket(_folder["notify"]);
        // What systemd gives a Type=notify service whose output goes to the journal. The parent process is made to
        // look like systemd (a copy of bash named "systemd"): Microsoft's systemd lifetime decided by that alone.
        string systemd = _folder["systemd"];
        File.Copy("/bin/bash", systemd);
        var output = new ConcurrentQueue<string>();
        using Process parent = DeviceProcess.Start(["run", "--config", config],
            new() { ["NOTIFY_SOCKET"] = socket.Path, ["JOURNAL_STREAM"] = "8:12345" }, output, shell: systemd);
        try
        {
            Assert.True(SpinWait.SpinUntil(() => output.Count(l => l.Contains("source cannot be opened", StringComparison.Ordinal)) >= 3, TimeSpan.FromSeconds(60)), string.Join("\n", output));
            // The host has long started; without a classified frame there is no READY=1.
            List<string> messages = socket.ReadUntil(m => m.Count > 0, TimeSpan.FromSeconds(1));
            Assert.DoesNotContain(messages, m => m.StartsWith("READY=1", StringComparison.Ordinal));
            Assert.Contains(output, l => l.StartsWith("<4>WARN  FrameCapture", StringComparison.Ordinal));
            Assert.Contains(output, l => l.StartsWith("<6>info  DeviceRuntime", StringComparison.Ordinal));
        }
        finally
        {
            Process.Start("pkill", ["-TERM", "-P", parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!parent.WaitForExit(30_000)) parent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void After_kill_9_and_a_pin_changed_in_the_settings_off_also_switches_the_pin_the_killed_service_drove()
    {
        (string config, object source, Dictionary<string, string> environment) = KillWhileThePinIsOn(22);
        // The LED moved to pin 17 in the settings while the service was dead.
        File.Copy(Config(source, outputs: [new { Name = "led", Type = "Led", Pin = 17 }]), config, overwrite: true);

        (int exit, string text) = Off(config, environment);

        Assert.Equal(0, exit);
        Assert.Contains("simulated GPIO 22 low", text);
        Assert.Contains("1 output(s) the last run used off", text);
        Assert.Contains("simulated GPIO 17 low", text);
    }

    [Fact]
    public void After_kill_9_and_settings_broken_since_off_still_switches_the_pin_the_killed_service_drove_then_names_the_error()
    {
        (string config, object source, Dictionary<string, string> environment) = KillWhileThePinIsOn(22);
        // Someone edits the settings while the service is dead, and gets a value wrong.
        File.Copy(Config(source, outputs: [new { Name = "led", Type = "Led", Pin = "GPIO17" }]), config, overwrite: true);

        (int exit, string text) = Off(config, environment);

        Assert.Contains("simulated GPIO 22 low", text);
        Assert.Contains("1 output(s) the last run used off", text);
        Assert.Equal(2, exit);
        Assert.Contains("configuration error: Outputs:0:Pin is 'GPIO17', which is not a whole number.", text);
    }

    // Runs the service driving the LED on pin, and kills it (kill -9) while the LED is on.
    private (string Config, object Source, Dictionary<string, string> Environment) KillWhileThePinIsOn(int pin)
    {
        string clip = ShapesClip.Write(_folder["circles.avi"], [(0, 24)]);
        object source = new { Type = "file", Path = clip, Loop = true, Region = new { X = 0.5, Width = 0.5 } };
        string config = Config(source, outputs: [new { Name = "led", Type = "Led", Pin = pin }]);
        string state = Directory.CreateDirectory(_folder["state"]).FullName;
        var environment = new Dictionary<string, string> { ["STATE_DIRECTORY"] = state };
        var output = new ConcurrentQueue<string>();
        using Process device = DeviceProcess.Start(["run", "--config", config], environment, output);
        Assert.True(SpinWait.SpinUntil(() => output.Any(l => l.Contains($"simulated GPIO {pin} high", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)), string.Join("\n", output));
        device.Kill();
        device.WaitForExit();
        return (config, source, environment);
    }

    private static (int Exit, string Output) Off(string config, Dictionary<string, string> environment)
    {
        var off = new ConcurrentQueue<string>();
        using Process command = DeviceProcess.Start(["off", "--config", config], environment, off);
        Assert.True(command.WaitForExit(60_000));
        command.WaitForExit();
        return (command.ExitCode, string.Join("\n", off));
    }

    [Theory]
    [InlineData("noise", "the clip cannot be played: ")]
    [InlineData("truncated", "the clip opened but not one frame could be read from it")]
    public void An_undecodable_clip_played_to_its_end_fails_with_exit_1_instead_of_retrying_forever(string kind, string message)
    {
        string clip = _folder[$"{kind}.mp4"];
        if (kind == "noise")
        {
            File.WriteAllBytes(clip, [.. Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7919 % 251))]);
        }
        else
        {
            // A real video cut off right after its header (moov first, as phones write them): it opens, no frame decodes.
            string whole = _folder["whole.mp4"];
            using (Process ffmpeg = Process.Start("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-t", "2", "-movflags", "+faststart", "-pix_fmt", "yuv420p", whole])!)
            {
                Assert.True(ffmpeg.WaitForExit(60_000));
                Assert.Equal(0, ffmpeg.ExitCode);
            }
            byte[] bytes = File.ReadAllBytes(whole);
            int media = bytes.AsSpan().IndexOf("mdat"u8);
            Assert.True(media > 0);
            File.WriteAllBytes(clip, bytes[..(media + 4)]);
        }
        string config = Config(new { Type = "file", Path = clip, StopAtEnd = true, Realtime = false });
        var output = new ConcurrentQueue<string>();

        using Process device = DeviceProcess.Start(["run", "--config", config], [], output);

        // Retrying would never end; the wait is far longer than a start needs.
        bool exited = device.WaitForExit(60_000);
        if (!exited) device.Kill(entireProcessTree: true);
        Assert.True(exited, "still retrying after 60 s:\n" + string.Join("\n", output.TakeLast(5)));
        device.WaitForExit();
        Assert.Equal(1, device.ExitCode);
        Assert.Contains(output, l => l.Contains(message, StringComparison.Ordinal) && l.Contains(clip, StringComparison.Ordinal));
    }

    [Fact]
    public void The_camera_program_gets_none_of_the_services_secrets_nor_its_notify_socket()
    {
        // The rpicam source runs a program that writes frames to a pipe; this one records its environment first.
        string seen = _folder["child-environment.txt"];
        string config = Config(new
        {
            Type = "rpicam", Command = "/bin/sh", Width = 96, Height = 96,
            Arguments = new[] { "-c", $"env > {seen}; exec ffmpeg -loglevel error -f lavfi -i testsrc=size=96x96:rate=30 -t 20 -f rawvideo -pix_fmt yuv420p -" },
        });
        using var socket = new NotifySocket(_folder["notify"]);
        var environment = new Dictionary<string, string>
        {
            // What /etc/edgecnn/secrets.env gives the service, and what systemd gives it.
            ["EDGECNN_Mqtt__Password"] = "mqtt-secret-0001",
            ["EDGECNN_Http__BearerToken"] = "bearer-secret-0000002",
            ["NOTIFY_SOCKET"] = socket.Path,
        };
        var output = new ConcurrentQueue<string>();
        using (Process device = DeviceProcess.Start(["run", "--config", config], environment, output))
        {
            try
            {
                Assert.True(SpinWait.SpinUntil(() => output.Any(l => l.Contains("first frame classified", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)), string.Join("\n", output));
            }
            finally
            {
                device.Kill(entireProcessTree: true);
                device.WaitForExit();
            }
        }
        string child = File.ReadAllText(seen);
        Assert.Contains("PATH=", child, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", child, StringComparison.Ordinal);
        Assert.DoesNotContain("EDGECNN_", child, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTIFY_SOCKET", child, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_prints_each_problem_with_its_fix_and_fails()
    {
        string config = Config(new { Type = "file", Path = _folder["missing.avi"] }, gpio: new { Driver = "libgpiod", Chip = 0 },
            outputs: [new { Name = "led", Type = "Led", Pin = 17 }, new { Name = "buzzer", Type = "ActiveBuzzer", Pin = 17 }],
            model: ShapesModelWithThreshold(0.99));
        var output = new StringWriter();

        int exit = CheckCommand.Run(config, output);

        string text = output.ToString();
        Assert.Equal(2, exit);
        Assert.Contains("PROBLEM  config   Source:Path", text);
        Assert.Contains("PROBLEM  config   Outputs:1:Pin 17 is also the pin of Outputs:0 ('led'); give each output its own pin.", text);
        Assert.Contains("ok       opencv", text);
        Assert.True(text.Contains("ok       model", StringComparison.Ordinal), text);
        Assert.DoesNotContain("all checks passed", text);
    }

    [Fact]
    public void Check_passes_on_a_good_configuration_and_explains_a_missing_gpio_chip()
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(1, 5)]);
        var good = new StringWriter();
        Assert.True(CheckCommand.Run(Config(new { Type = "file", Path = clip }, model: ShapesModelWithThreshold(0.99)), good) == 0, good.ToString());
        Assert.Contains("ok       camera   video file", good.ToString());
        Assert.Contains("ok       gpio     simulated driver: opened led (GPIO 17)", good.ToString());
        Assert.Contains("all checks passed", good.ToString());

        // This machine has no /dev/gpiochip9 (a Pi neither), so libgpiod on it is a problem with a fix.
        var bad = new StringWriter();
        Assert.Equal(1, CheckCommand.Run(Config(new { Type = "file", Path = clip }, gpio: new { Driver = "libgpiod", Chip = 9 }), bad));
        Assert.Matches("PROBLEM  gpio     /dev/gpiochip9 does not exist.*(Gpio:Driver to simulated|Set Gpio:Chip)", bad.ToString());
    }

    [Fact]
    public void Capture_saves_the_region_of_frames_as_a_training_folder()
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 10)]);
        string config = Config(new { Type = "file", Path = clip, Region = new { X = 0.5, Width = 0.5 } });
        var output = new StringWriter();

        int exit = CaptureCommand.Run(config, "circle", 4, 0, _folder["dataset"], output, CancellationToken.None);

        Assert.Equal(0, exit);
        string[] files = Directory.GetFiles(_folder["dataset/circle"], "circle-*.jpg");
        Assert.Equal(4, files.Length);
        foreach (string file in files)
        {
            using Mat image = Cv2.ImRead(file);
            Assert.Equal(new Size(ShapesModel.FrameSize, ShapesModel.FrameSize), image.Size()); // the right half only
        }
        Assert.Contains("edgecnn-train train --data", output.ToString());
    }

    [Fact]
    public void Bench_reports_every_stage_and_agrees_with_opencv_dnn_on_every_frame()
    {
        string clip = ShapesClip.Write(_folder["clip.avi"], [(0, 8), (1, 8), (2, 8)]);
        var output = new StringWriter();

        int exit = BenchCommand.Run(Config(new { Type = "file", Path = clip, Region = new { X = 0.5, Width = 0.5 } }), 30, 5, true, output, CancellationToken.None);

        string text = output.ToString();
        Assert.Equal(0, exit);
        foreach (string row in new[] { "capture", "preprocess", "inference", "decision", "preprocess+infer+decide", "opencv dnn inference" })
            Assert.Matches($"(?m)^  {System.Text.RegularExpressions.Regex.Escape(row)} +[0-9.]+ +[0-9.]+ +[0-9.]+", text);
        Assert.Contains("% of capture/decode", text);
        // The service's own test proves zero in steady state; a 30-frame bench that loops its clip reports what it saw.
        Assert.Matches(@"allocated bytes per frame: capture [0-9.]+, preprocess\+infer\+decide [0-9.]+", text);
        Assert.Contains("same top-1 on 30 of 30 frames", text);
    }
}
