using System.CommandLine;
using System.Globalization;
using EdgeCnn.Trainer.Quantization;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>quantize</c>: an exported fp32 model's int8 twin, written only when it passes the accuracy and kernel gates.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("run-or-model") { Description = "A run folder (its model.onnx) or an exported fp32 model with its manifest, e.g. models/fashion-mnist.onnx." };
        var run = new Option<string?>("--run") { Description = "The run that trained the model (its training images calibrate, its test images gate). Default: the model's own folder when it is a run folder." };
        var output = new Option<string?>("--output", "-o") { Description = "The int8 model's path; its manifest goes beside it as .json. Default: MODEL-int8.onnx beside the fp32 model." };
        var calibration = new Option<int>("--calibration") { Description = "How many training images calibrate the activation ranges.", DefaultValueFactory = _ => 1000 };
        var method = new Option<string>("--method") { Description = "minmax (the full range seen) or percentile (0.01 % clipped at each end).", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile");
        var maxDrop = new Option<double>("--max-drop") { Description = "Largest accuracy loss accepted on any test set, in points.", DefaultValueFactory = _ => 0.5 };
        var activations = new Option<string>("--activations") { Description = "uint8 (runs int8 kernels on x86-64 and arm64) or int8 (arm64 with dot-product instructions, e.g. Pi 5; on x86-64 the convolutions beside a branch stay float).", DefaultValueFactory = _ => "uint8" };
        activations.AcceptOnlyFromAmong("uint8", "int8");
        var keep = new Option<string?>("--keep-fp32") { Description = "Layers to leave in fp32, comma-separated (a refusal names the ones that cost the most)." };
        var command = new Command("quantize", "Quantize an exported model to int8 (static, QDQ, per-channel weights), calibrated on training images; refuses a model that loses more than --max-drop points on a test set or whose convolutions ONNX Runtime would not run as int8.");
        command.Arguments.Add(model);
        foreach (Option option in new Option[] { run, output, calibration, method, activations, maxDrop, keep }) command.Options.Add(option);
        command.SetAction(result =>
        {
            if (result.GetValue(calibration) < 1) throw new ArgumentException($"--calibration {result.GetValue(calibration)}: give at least 1 image (1000 is a good start).");
            if (result.GetValue(maxDrop) is < 0 or > 100 or double.NaN) throw new ArgumentException($"--max-drop {result.GetValue(maxDrop)}: give points between 0 and 100.");
            (string fp32, string runFolder) = ModelQuantization.Resolve(result.GetValue(model)!, result.GetValue(run));
            string path = result.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(fp32)!, Path.GetFileNameWithoutExtension(fp32) + "-int8.onnx");
            var keepFloat = (result.GetValue(keep) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var request = new ModelQuantization.Request(fp32, runFolder, path, result.GetValue(calibration),
                result.GetValue(method) == "percentile" ? CalibrationMethod.Percentile : CalibrationMethod.Minmax, result.GetValue(maxDrop) / 100, keepFloat,
                result.GetValue(activations) == "int8" ? ActivationType.Int8 : ActivationType.Uint8);
            ModelQuantization.Result q = ModelQuantization.Quantize(request, new ConsoleProgress());
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"Wrote {q.ModelPath} and {q.ManifestPath}."));
            Console.WriteLine(string.Create(c, $"  size      fp32 {q.Fp32Bytes / 1024.0:F0} KiB, int8 {q.Int8Bytes / 1024.0:F0} KiB ({(double)q.Fp32Bytes / q.Int8Bytes:F1}x smaller)"));
            Console.WriteLine(string.Create(c, $"  latency   fp32 {q.Latency.Fp32Milliseconds:F3} ms, int8 {q.Latency.Int8Milliseconds:F3} ms per image here ({q.Latency.Speedup:F2}x; ONNX Runtime, 1 thread, p50)"));
            foreach (ModelQuantization.Accuracy a in q.Accuracies)
                Console.WriteLine(string.Create(c, $"  accuracy  {a.Set}: fp32 {a.Fp32:P2}, int8 {a.Int8:P2} ({-a.DropPoints:+0.00;-0.00} points)"));
            Console.WriteLine($"  kernels   {q.Kernels.Summary}");
            if (q.KeptFloat.Count > 0) Console.WriteLine($"  in fp32   {string.Join(", ", q.KeptFloat)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
