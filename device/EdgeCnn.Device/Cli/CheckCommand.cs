using System.CommandLine;
using EdgeCnn.Device.Capture;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Gpio;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Device.Loop;
using EdgeCnn.Device.Mqtt;
using EdgeCnn.Device.Outputs;
using EdgeCnn.Vision.Onnx;
using EdgeCnn.Vision;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>check</c>: everything the service needs, one line each (configuration, OpenCV, model, rules, camera, GPIO),
/// every problem with its fix; exits 2 when the settings themselves are wrong (as <c>run</c> would), else 1 when
/// there is a problem.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Check configuration, OpenCV, model, rules, camera, GPIO access and the MQTT broker; print each problem with its fix; exit 2 if the settings are wrong, 1 if anything else is.");
        command.SetAction(result => Run(result.GetValue(DeviceCommandLine.Config), Console.Out));
        return command;
    }

    public static int Run(string? configFile, TextWriter output)
    {
        int problems = 0;
        void Ok(string what, string detail) => output.WriteLine($"ok       {what,-8} {detail}");
        void Problem(string what, string detail)
        {
            problems++;
            output.WriteLine($"PROBLEM  {what,-8} {detail}");
        }

        IHost host;
        try
        {
            host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        }
        catch (OptionsValidationException e)
        {
            foreach (string failure in e.Failures) Problem("config", failure);
            output.WriteLine($"{problems} problem(s)");
            return ExitCodes.Configuration;
        }
        using IHost owned = host;
        Settings settings = ReadSettings(host.Services, Problem);
        bool settingsWrong = problems > 0;
        if (problems == 0) Ok("config", $"{settings.Outputs!.Count} output(s), {settings.Rules!.Count} rule(s); source {settings.Source!.Type.ToString().ToLowerInvariant()}, GPIO driver {settings.Gpio!.Driver.ToString().ToLowerInvariant()}");

        CheckDependencies(settings, host.Services, Ok, Problem);
        output.WriteLine(problems == 0 ? "all checks passed" : $"{problems} problem(s)");
        return settingsWrong ? ExitCodes.Configuration : problems == 0 ? 0 : ExitCodes.Failure;
    }

    // The sections the checks use, each null when its values are wrong.
    private readonly record struct Settings(ModelOptions? Model, SourceOptions? Source, GpioOptions? Gpio, OutputList? Outputs, RuleList? Rules, HttpOptions? Http, MqttOptions? Mqtt);

    // Reads and validates every settings section, reporting each wrong value as a problem.
    private static Settings ReadSettings(IServiceProvider services, Action<string, string> problem)
    {
        var settings = new Settings(
            Options<ModelOptions>(services, "config", problem),
            Options<SourceOptions>(services, "config", problem),
            Options<GpioOptions>(services, "config", problem),
            Options<OutputList>(services, "config", problem),
            Options<RuleList>(services, "config", problem),
            Options<HttpOptions>(services, "config", problem),
            Options<MqttOptions>(services, "config", problem));
        // Every other section too, so that nothing 'run' would refuse passes here.
        Type[] readAbove = [typeof(ModelOptions), typeof(SourceOptions), typeof(GpioOptions), typeof(OutputList), typeof(RuleList), typeof(HttpOptions), typeof(MqttOptions)];
        foreach ((_, Type type) in DeviceHost.SectionTypes.Where(s => !readAbove.Contains(s.Options)))
        {
            object options = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
            try
            {
                _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is OptionsValidationException failed)
            {
                foreach (string failure in failed.Failures) problem("config", failure);
            }
        }
        return settings;
    }

    private static T? Options<T>(IServiceProvider services, string what, Action<string, string> problem) where T : class
    {
        try
        {
            return services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException e)
        {
            foreach (string failure in e.Failures) problem(what, failure);
            return null;
        }
    }

    // OpenCV, the model, the camera, GPIO, the HTTP endpoint and the MQTT broker, each as far as its settings allow.
    private static void CheckDependencies(Settings settings, IServiceProvider services, Action<string, string> ok, Action<string, string> problem)
    {
        string? openCvProblem = OpenCvProblem();
        if (openCvProblem is null) ok("opencv", $"OpenCV {Cv2.GetVersionString()} loaded");
        else problem("opencv", openCvProblem);

        (ModelOptions? model, SourceOptions? source, GpioOptions? gpio, OutputList? outputs, RuleList? rules, HttpOptions? http, MqttOptions? mqtt) = settings;
        if (model is not null && openCvProblem is null) CheckModel(model, ok, problem);
        if (source is not null && openCvProblem is null) CheckSource(source, ok, problem);
        if (gpio is not null && outputs is not null && rules is not null) CheckGpio(gpio, outputs, services.GetRequiredService<ILoggerFactory>(), ok, problem);
        if (http is { Enabled: true }) ok("http", $"will listen on {http.Urls}{(http.BearerToken.Length > 0 ? ", with a bearer token" : http.ListensBeyondLoopback ? ", WITHOUT a token (set Http:BearerToken)" : "")}");
        if (mqtt is { Enabled: true }) CheckMqtt(mqtt, ok, problem);
    }

    /// <summary>Why OpenCV's native library cannot be used here, naming the file, or null when it loads.</summary>
    public static string? OpenCvProblem()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            // The loader's message goes on about strace and LD_DEBUG; its first sentence says what failed.
            string detail = (e.InnerException ?? e).Message.Split(". ")[0].TrimEnd('.');
            return "libOpenCvSharpExtern.so (OpenCvSharp's native library) cannot be loaded: " + detail + ". " +
                (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
                    ? "On linux-arm64 publish with the arm64 runtime package (scripts/publish.sh --opencv-runtime PACKAGE), or put a libOpenCvSharpExtern.so built for arm64 beside edgecnn-device or on LD_LIBRARY_PATH; see README, 'OpenCV on the Pi'."
                    : "On Debian/Ubuntu it needs GTK 3: sudo apt install libgtk-3-0.");
        }
    }

    private static void CheckModel(ModelOptions configured, Action<string, string> ok, Action<string, string> problem)
    {
        try
        {
            // The twin the service would run (Model:Precision), timed as it would time it.
            PrecisionChoice choice = PrecisionChoice.Choose(configured);
            ok("precision", $"{choice.Precision}: {Path.GetFullPath(choice.Path)} ({choice.Why})");
            ModelOptions model = configured.WithPath(choice.Path);
            using OnnxClassifier classifier = OnnxClassifier.Open(model.Path, model.ToClassifierOptions());
            PreprocessingSpec p = classifier.Manifest.Preprocessing;
            using var blank = new Mat(p.Height, p.Width, MatType.CV_8UC3, Scalar.All(127));
            Classification c = classifier.Classify(blank);
            ModelManifest manifest = classifier.Manifest;
            string description = $"{model.FullPath}: {manifest.Architecture} ({manifest.Precision}; ONNX Runtime here runs {Kernels(model.Path)}), labels {string.Join(", ", manifest.Labels)}; input {p.Width}x{p.Height}x{p.Channels}; " +
                $"background class {manifest.BackgroundLabel ?? "none"}; open-set threshold {(manifest.OpenSet is null ? "none" : manifest.OpenSet.Threshold.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))}";
            // An empty grey frame is the simplest empty scene: a model that names an object in it would fire its rules at an empty desk.
            if (manifest.IsObject(c))
                problem("model", $"{description}; a test inference on a blank grey frame gave {manifest.Labels[c.ClassIndex]} ({c.Probability:P0}): this model cannot tell an empty scene " +
                    "from an object, so its rules would fire with nothing in view. Train it with a background class and scene augmentation (README, 'Train for your scene').");
            else
                ok("model", $"{description}; a test inference on a blank grey frame gave {manifest.Describe(c)} ({c.Probability:P0})");
        }
        catch (Exception e) when (ExitCodes.IsExpected(e) || e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            problem("model", e.Message);
        }
    }

    // What ONNX Runtime runs for the model here; informative only, so a failure to tell is said, not a problem.
    private static string Kernels(string modelPath)
    {
        try
        {
            return RuntimeGraph.Inspect(File.ReadAllBytes(modelPath)).Summary;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return $"(its optimized graph could not be read: {e.Message})";
        }
    }

    private static void CheckSource(SourceOptions options, Action<string, string> ok, Action<string, string> problem)
    {
        // A camera that hangs must not hang the check: read the first frame on a thread and give up after 15 s.
        string? result = null;
        bool success = false;
        var reader = new Thread(() =>
        {
            try
            {
                using IFrameSource source = FrameSourceFactory.Open(options);
                using var frame = new Mat();
                success = source.TryRead(frame);
                result = success ? $"{source.Description}: first frame {frame.Width}x{frame.Height}" : source.LastProblem;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result = e.Message;
            }
        }) { IsBackground = true };
        reader.Start();
        if (!reader.Join(TimeSpan.FromSeconds(15)))
            problem("camera", $"no frame within 15 s from the {options.Type.ToString().ToLowerInvariant()} source; is the camera connected and not used by another program (fuser /dev/video*)?");
        else if (success) ok("camera", result!);
        else problem("camera", result ?? "no frame");
    }

    private static void CheckMqtt(MqttOptions mqtt, Action<string, string> ok, Action<string, string> problem)
    {
        string broker = $"{mqtt.Host}:{mqtt.EffectivePort}";
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        try
        {
            // Its own client id: one equal to the running service's would knock the service off the broker.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            MqttConnection.ConnectAsync(client, MqttConnection.ClientOptions(mqtt, mqtt.EffectiveClientId + "-check", willTopic: null), timeout.Token).GetAwaiter().GetResult();
            client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).GetAwaiter().GetResult();
            ok("mqtt", $"connected to {broker}{(mqtt.Username.Length > 0 ? $" as user {mqtt.Username}" : "")}; the service publishes under {mqtt.EffectiveTopicPrefix}/");
        }
        catch (Exception e) when (e is BrokerRefusedException or MqttConnectingFailedException)
        {
            problem("mqtt", $"the broker {broker} refused the connection ({(e as BrokerRefusedException)?.ResultCode.ToString() ?? e.Message.TrimEnd('.')}); check Mqtt:Username and the password (Mqtt:Password or EDGECNN_Mqtt__Password), and the broker's ACL.");
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or System.Net.Sockets.SocketException or IOException)
        {
            problem("mqtt", $"cannot reach the broker {broker} ({(e.InnerException ?? e).Message}); is it running, and are Mqtt:Host and Mqtt:Port right (1883 plain, 8883 with Mqtt:UseTls)? Try: mosquitto_sub -h {mqtt.Host} -p {mqtt.EffectivePort} -t '#' -v");
        }
    }

    private static void CheckGpio(GpioOptions gpio, OutputList outputs, ILoggerFactory loggers, Action<string, string> ok, Action<string, string> problem)
    {
        if (outputs.Count == 0)
        {
            ok("gpio", "no outputs configured");
            return;
        }
        string? access = GpioAccess.Diagnose(gpio, GpioBoard.Detect().ChooseChip(gpio.Chip).Chip);
        if (access is not null)
        {
            problem("gpio", access);
            return;
        }
        try
        {
            // Opening every output proves the pins are free and writable; disposing leaves them off.
            using (new GpioHardware(gpio, loggers).OpenOutputs(outputs, []))
            {
            }
            ok("gpio", $"{gpio.Driver.ToString().ToLowerInvariant()} driver: opened {OutputBank.Describe(outputs)}");
            if (gpio.Driver is GpioDriverKind.Auto or GpioDriverKind.Libgpiod) ok("board", GpioBoard.Detect().Describe(gpio.Chip));
        }
        catch (Exception e) when (ExitCodes.IsExpected(e))
        {
            problem("gpio", e.Message);
        }
    }
}
