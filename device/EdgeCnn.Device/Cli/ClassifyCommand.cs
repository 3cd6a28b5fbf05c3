using System.CommandLine;
using System.Globalization;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Hosting;
using EdgeCnn.Vision.Onnx;
using EdgeCnn.Vision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Cli;

/// <summary>
/// <c>classify --raw FILE</c>: the configured model on raw frames already at its input size (8-bit, interleaved,
/// gray or the manifest's channel order), one line per frame. Needs no OpenCV, so it proves a build (linux-arm64
/// under qemu, a Pi without OpenCV's native library) classifies exactly as another.
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var raw = new Option<string>("--raw") { Description = "A file of raw frames at the model's input size (W*H*C bytes each, back to back).", Required = true };
        var kernels = new Option<bool>("--kernels") { Description = "First print, on standard error, the model's precision and the operators ONNX Runtime runs for it on this machine (an int8 model should show no float convolutions)." };
        var command = new Command("classify", "Classify raw frames at the model's input size without OpenCV: one tab-separated line per frame: index, probability, label.");
        command.Options.Add(raw);
        command.Options.Add(kernels);
        command.SetAction(result => Run(result.GetValue(DeviceCommandLine.Config), result.GetValue(raw)!, Console.Out,
            result.GetValue(kernels) ? Console.Error : null));
        return command;
    }

    /// <param name="configFile">The settings file (its Model section).</param>
    /// <param name="rawFile">Raw frames at the model's input size.</param>
    /// <param name="output">Where the per-frame lines go.</param>
    /// <param name="kernels">Where to print the operators ONNX Runtime runs for the model, or null.</param>
    public static int Run(string? configFile, string rawFile, TextWriter output, TextWriter? kernels = null)
    {
        using IHost host = DeviceHost.Build(configFile, builder => builder.Logging.ClearProviders());
        ModelOptions model = host.Services.GetRequiredService<IOptions<ModelOptions>>().Value;
        using OnnxClassifier classifier = OnnxClassifier.Open(model.Path, model.ToClassifierOptions());
        kernels?.WriteLine($"{model.Path}: {classifier.Manifest.Precision}; ONNX Runtime here runs {RuntimeGraph.Inspect(File.ReadAllBytes(model.Path)).Summary}");
        PreprocessingSpec spec = classifier.Manifest.Preprocessing;
        int frameBytes = spec.Width * spec.Height * spec.Channels;
        if (!File.Exists(rawFile)) throw new FileNotFoundException($"{rawFile}: raw frames file not found.", rawFile);
        byte[] bytes = File.ReadAllBytes(rawFile);
        if (bytes.Length == 0 || bytes.Length % frameBytes != 0)
            throw new InvalidDataException($"{rawFile}: {bytes.Length} bytes is not a whole number of {spec.Width}x{spec.Height}x{spec.Channels} frames ({frameBytes} bytes each).");
        var tensor = new float[spec.TensorLength];
        for (int i = 0; i < bytes.Length / frameBytes; i++)
        {
            ImagePreprocessor.PrepareRaw(spec, bytes.AsSpan(i * frameBytes, frameBytes), tensor);
            Classification c = classifier.ClassifyPrepared(tensor);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i}\t{c.Probability:0.0000}\t{classifier.Manifest.Labels[c.ClassIndex]}"));
        }
        return ExitCodes.Success;
    }
}
