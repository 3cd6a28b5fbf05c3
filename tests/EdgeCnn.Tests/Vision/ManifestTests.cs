using System.Text.Json;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Vision;

public class ManifestTests
{
    private static ModelManifest Sample(string sha = "") => new()
    {
        Labels = ["cat", "dog"],
        Preprocessing = PreprocessingSpec.Unit(32, 24, 3) with { ResizeMode = ResizeMode.CenterCrop, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f] },
        Output = OutputKind.Probabilities,
        Architecture = "resnet8",
        ParameterCount = 77754,
        Metrics = new() { ["testAccuracy"] = 0.93 },
        ModelSha256 = sha,
        Opset = 13,
        TrainerVersion = "0.1.0",
    };

    [Fact]
    public void A_manifest_round_trips_through_its_json_file()
    {
        using var folder = new TempFolder();
        ModelManifest original = Sample(new string('a', 64));
        original.Save(folder["m.json"]);
        ModelManifest loaded = ModelManifest.Load(folder["m.json"]);
        Assert.Equal(original.Labels, loaded.Labels);
        Assert.Equal(original.Preprocessing.Mean, loaded.Preprocessing.Mean);
        Assert.Equal(original.Metrics, loaded.Metrics);
        // Every field, arrays included, survives: the loaded manifest serialises to the same JSON.
        Assert.Equal(JsonSerializer.Serialize(original, VisionJson.Options), JsonSerializer.Serialize(loaded, VisionJson.Options));
        Assert.Contains("\"resizeMode\": \"center-crop\"", File.ReadAllText(folder["m.json"]));
    }

    [Fact]
    public void A_model_whose_hash_no_longer_matches_is_refused()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder["m.onnx"], [1, 2, 3]);
        ModelManifest manifest = Sample(ModelManifest.ComputeSha256(folder["m.onnx"]));
        manifest.VerifyModelFile(folder["m.onnx"]);
        File.WriteAllBytes(folder["m.onnx"], [1, 2, 4]);
        var error = Assert.Throws<InvalidDataException>(() => manifest.VerifyModelFile(folder["m.onnx"]));
        Assert.Contains("m.onnx", error.Message);
        Assert.Contains("modelSha256", error.Message);
    }

    [Fact]
    public void Bad_fields_are_reported_with_the_file_and_the_field()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["m.json"], """{ "labels": ["only-one"], "preprocessing": { "width": 8, "height": 8, "channels": 1, "mean": [0], "std": [1] } }""");
        var error = Assert.Throws<InvalidDataException>(() => ModelManifest.Load(folder["m.json"]));
        Assert.Contains("m.json", error.Message);
        Assert.Contains("labels", error.Message);

        File.WriteAllText(folder["m.json"], """{ "labels": ["a", "b"], "preprocessing": { "width": 8, "height": 8, "channels": 3, "mean": [0], "std": [1] } }""");
        error = Assert.Throws<InvalidDataException>(() => ModelManifest.Load(folder["m.json"]));
        Assert.Contains("preprocessing.mean", error.Message);

        File.WriteAllText(folder["m.json"], """{ "labels": ["a", "b"], "colour": true }""");
        error = Assert.Throws<InvalidDataException>(() => ModelManifest.Load(folder["m.json"]));
        Assert.Contains("colour", error.Message);
    }

    [Fact]
    public void An_int8_manifest_must_name_its_fp32_model_and_precision_is_fp32_or_int8()
    {
        using var folder = new TempFolder();
        Assert.Equal(ModelManifest.Fp32, Sample().Precision);
        var error = Assert.Throws<InvalidDataException>(() => (Sample() with { Precision = ModelManifest.Int8 }).Save(folder["m.json"]));
        Assert.Contains("fp32ModelSha256", error.Message);
        error = Assert.Throws<InvalidDataException>(() => (Sample() with { Precision = "int4" }).Save(folder["m.json"]));
        Assert.Contains("precision is 'int4'", error.Message);

        var int8 = Sample() with { Precision = ModelManifest.Int8, Fp32ModelSha256 = new string('a', 64) };
        int8.Save(folder["m.json"]);
        ModelManifest loaded = ModelManifest.Load(folder["m.json"]);
        Assert.Equal(ModelManifest.Int8, loaded.Precision);
        Assert.Equal(new string('a', 64), loaded.Fp32ModelSha256);
    }
}
