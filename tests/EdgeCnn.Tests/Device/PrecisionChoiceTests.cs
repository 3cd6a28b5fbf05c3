using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Loop;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// Model:Precision with the shipped twins (models/garden.onnx and models/garden-int8.onnx) through the real ONNX
/// Runtime: auto times both and keeps the faster, fp32 and int8 force one, a missing twin says how to make it.
/// </summary>
public sealed class PrecisionChoiceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Twins(bool fp32 = true, bool int8 = true)
    {
        foreach ((bool wanted, string name) in new[] { (fp32, "garden"), (int8, "garden-int8") })
        {
            if (!wanted) continue;
            File.Copy(Repository.File($"models/{name}.onnx"), _folder[$"{name}.onnx"]);
            File.Copy(Repository.File($"models/{name}.json"), _folder[$"{name}.json"]);
        }
        return _folder["garden.onnx"];
    }

    [Theory]
    [InlineData("models/garden.onnx", "models/garden.onnx", "models/garden-int8.onnx")]
    [InlineData("models/garden-int8.onnx", "models/garden.onnx", "models/garden-int8.onnx")]
    [InlineData("runs/shoes/model-int8.onnx", "runs/shoes/model.onnx", "runs/shoes/model-int8.onnx")]
    public void Either_twin_names_both(string path, string fp32, string int8) =>
        Assert.Equal((fp32, int8), PrecisionChoice.Twins(path));

    [Fact]
    public void Auto_times_both_twins_here_and_runs_the_faster()
    {
        string path = Twins();

        PrecisionChoice choice = PrecisionChoice.Choose(new ModelOptions { Path = path, IntraOpThreads = 1 }, TimeSpan.FromMilliseconds(100));

        Assert.NotNull(choice.Fp32Milliseconds);
        Assert.NotNull(choice.Int8Milliseconds);
        bool int8Faster = choice.Int8Milliseconds < choice.Fp32Milliseconds;
        Assert.Equal(int8Faster ? "int8" : "fp32", choice.Precision);
        Assert.Equal(int8Faster ? _folder["garden-int8.onnx"] : path, choice.Path);
        Assert.StartsWith("auto: int8 ", choice.Why);
    }

    [Fact]
    public void Forced_precisions_run_their_twin_whichever_the_path_names()
    {
        string path = Twins();

        Assert.Equal(_folder["garden-int8.onnx"], PrecisionChoice.Choose(new ModelOptions { Path = path, Precision = ModelPrecision.Int8 }).Path);
        Assert.Equal(path, PrecisionChoice.Choose(new ModelOptions { Path = _folder["garden-int8.onnx"], Precision = ModelPrecision.Fp32 }).Path);
    }

    [Fact]
    public void An_int8_twin_made_from_another_model_is_not_run()
    {
        // The fp32 model exported again in place (here: another model under its name); the int8 twin is the old one's.
        File.Copy(Repository.File("models/fashion-mnist.onnx"), _folder["garden.onnx"]);
        File.Copy(Repository.File("models/fashion-mnist.json"), _folder["garden.json"]);
        Twins(fp32: false);

        PrecisionChoice choice = PrecisionChoice.Choose(new ModelOptions { Path = _folder["garden.onnx"] });

        Assert.Equal(("fp32", _folder["garden.onnx"]), (choice.Precision, choice.Path));
        Assert.Contains("was made from another model", choice.Why);
        Assert.Null(choice.Int8Milliseconds);
    }

    [Fact]
    public void Auto_with_one_twin_runs_it_and_a_forced_missing_twin_says_how_to_make_it()
    {
        string path = Twins(int8: false);

        PrecisionChoice only = PrecisionChoice.Choose(new ModelOptions { Path = path });
        Assert.Equal(("fp32", path, "auto: only the fp32 twin is here"), (only.Precision, only.Path, only.Why));
        var e = Assert.Throws<ConfigurationException>(() => PrecisionChoice.Choose(new ModelOptions { Path = path, Precision = ModelPrecision.Int8 }));
        Assert.Contains($"Model:Precision is int8 but {_folder["garden-int8.onnx"]} (with its manifest) does not exist; make it with 'edgecnn-train quantize {path}'", e.Message);
    }
}
