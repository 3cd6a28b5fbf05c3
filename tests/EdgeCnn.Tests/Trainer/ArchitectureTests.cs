using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Layers;
using TorchSharp;
using TorchSharp.Modules;

namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class ArchitectureTests
{
    // conv: filters * (inputs/groups * k * k) + bias; dense: inputs * units + bias; batch norm: 2 * channels;
    // residual: two 3x3 convs without bias + two BNs, plus a 1x1 projection + BN when the shape changes.
    private static long Conv(long inputs, long filters, long k, bool bias = true, long groups = 1) => filters * (inputs / groups) * k * k + (bias ? filters : 0);
    private static long Dense(long inputs, long units) => inputs * units + units;
    private static long Bn(long channels) => 2 * channels;
    private static long Residual(long inputs, long filters) =>
        Conv(inputs, filters, 3, false) + Bn(filters) + Conv(filters, filters, 3, false) + Bn(filters)
        + (inputs != filters ? Conv(inputs, filters, 1, false) + Bn(filters) : 0);
    private static long Separable(long inputs, long outputs) =>
        Conv(inputs, inputs, 3, false, groups: inputs) + Bn(inputs) + Conv(inputs, outputs, 1, false) + Bn(outputs);

    public static TheoryData<string, long> PresetsWithHandCounts() => new()
    {
        // 1x28x28 input, 10 classes.
        { "lenet5", Conv(1, 6, 5) + Conv(6, 16, 5) + Dense(16 * 5 * 5, 120) + Dense(120, 84) + Dense(84, 10) },
        { "convnet-64", Conv(1, 64, 3) + Dense(64 * 26 * 26, 32) + Dense(32, 10) },
        { "convnet-64-pool", Conv(1, 64, 3) + Dense(64 * 13 * 13, 32) + Dense(32, 10) },
        { "convnet-2x64", Conv(1, 64, 3) + Conv(64, 64, 3) + Dense(64 * 7 * 7, 128) + Dense(128, 10) },
        { "allconv", Conv(1, 32, 3) + Conv(32, 32, 3) + Conv(32, 32, 3) + Conv(32, 64, 3) + Conv(64, 64, 3) + Conv(64, 64, 1) + Conv(64, 10, 1) },
        { "vgg-tiny", Conv(1, 32, 3, false) + Bn(32) + Conv(32, 32, 3, false) + Bn(32) + Conv(32, 64, 3, false) + Bn(64) + Conv(64, 64, 3, false) + Bn(64)
                      + Conv(64, 128, 3, false) + Bn(128) + Conv(128, 128, 3, false) + Bn(128) + Dense(128 * 3 * 3, 128) + Dense(128, 10) },
        { "resnet8", Conv(1, 16, 3, false) + Bn(16) + Residual(16, 16) + Residual(16, 32) + Residual(32, 64) + Dense(64, 10) },
        { "resnet20", Conv(1, 16, 3, false) + Bn(16) + 3 * Residual(16, 16) + Residual(16, 32) + 2 * Residual(32, 32) + Residual(32, 64) + 2 * Residual(64, 64) + Dense(64, 10) },
        { "mobilenet-tiny", Conv(1, 32, 3, false) + Bn(32) + Separable(32, 64) + Separable(64, 128) + Separable(128, 128) + Separable(128, 256) + Dense(256, 10) },
    };

    [Theory]
    [MemberData(nameof(PresetsWithHandCounts))]
    public void Every_preset_builds_with_the_right_output_shape_and_parameter_count(string preset, long expectedParameters)
    {
        Assert.True(Presets.TryGet(preset, out ArchitectureSpec? spec));
        NetworkPlan plan = NetworkPlan.Create(spec, new InputShape(1, 28, 28), classes: 10);
        using Sequential model = NetworkBuilder.Build(plan);

        Assert.Equal(expectedParameters, plan.Parameters);
        Assert.Equal(expectedParameters, model.parameters().Sum(p => p.numel()));

        model.eval();
        using var input = torch.randn(3, 1, 28, 28);
        using var output = model.forward(input);
        Assert.Equal([3L, 10L], output.shape);
    }

    /// <summary>An architecture file that uses every entry of the vocabulary at least once.</summary>
    internal const string EveryLayerJson = """
        {
          // Every entry of the vocabulary, at least once.
          "name": "every-layer",
          "input": { "channels": 3, "height": 32, "width": 32 },
          "layers": [
            { "type": "conv", "filters": 16, "kernel": 3, "padding": 1 },
            { "type": "batchnorm" },
            { "type": "relu" },
            { "type": "conv", "name": "depthwise", "filters": 16, "kernel": 3, "stride": 2, "groups": 16, "bias": false },
            { "type": "tanh" },
            { "type": "batchnorm", "name": "bn_after_activation" },
            { "type": "residual", "filters": 24 },
            { "type": "branches", "name": "mixed", "paths": [
                [ { "type": "conv", "filters": 8, "kernel": 1 }, { "type": "relu" } ],
                [ { "type": "maxpool", "size": 3, "stride": 1, "padding": 1 } ],
                [] ] },
            { "type": "maxpool", "size": 2 },
            { "type": "avgpool", "size": 2, "stride": 1 },
            { "type": "globalavgpool" },
            { "type": "flatten" },
            { "type": "dense", "units": 32 },
            { "type": "sigmoid" },
            { "type": "dropout", "rate": 0.2 },
            { "type": "batchnorm" },
            { "type": "dense", "units": "classes" },
          ]
        }
        """;

    [Fact]
    public void A_user_architecture_file_with_every_layer_type_builds_and_runs()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["every-layer.json"], EveryLayerJson);
        ArchitectureSpec spec = ArchitectureSpec.Resolve(folder["every-layer.json"]);
        Assert.Equal(LayerSpec.Types.Order(), spec.Layers.Select(l => l.Type).Distinct().Order());
        Assert.Equal(new InputShape(3, 32, 32), spec.Input);

        NetworkPlan plan = NetworkPlan.Create(spec, spec.Input!, classes: 5);
        Assert.Equal(["conv_1", "batchnorm_1", "relu_1", "depthwise"], plan.Layers.Take(4).Select(l => l.Name));
        Assert.Equal(["dense_2"], plan.HeadLayers);
        // The branches block: a 1x1 conv of 8, a pooling path and a pass-through of the 24 channels: 56 out.
        long expected = Conv(3, 16, 3) + Bn(16) + Conv(16, 16, 3, false, groups: 16) + Bn(16) + Residual(16, 24) + Conv(24, 8, 1) + Dense(56, 32) + Bn(32) + Dense(32, 5);
        Assert.Equal(new FeatureShape(56, 16, 16, false), plan.Layers.Single(l => l.Name == "mixed").Output);
        Assert.Equal(["mixed.p0.conv_1", "mixed.p0.relu_1"], plan.Layers.Single(l => l.Name == "mixed").Paths[0].Select(l => l.Name));
        Assert.Equal(expected, plan.Parameters);

        using Sequential model = NetworkBuilder.Build(plan);
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        model.eval();
        using var input = torch.randn(2, 3, 32, 32);
        using var output = model.forward(input);
        Assert.Equal([2L, 5L], output.shape);
    }

    public static TheoryData<string> ExampleArchitectureFiles() =>
        new(Directory.GetFiles(Repository.File("docs/examples"), "*.json").Select(file => Path.GetFileName(file)).Order());

    [Theory]
    [MemberData(nameof(ExampleArchitectureFiles))]
    public void The_example_architecture_files_build_and_run(string fileName)
    {
        ArchitectureSpec spec = ArchitectureSpec.Resolve(Repository.File(Path.Combine("docs/examples", fileName)));
        InputShape input = spec.Input ?? new InputShape(1, 28, 28);
        NetworkPlan plan = NetworkPlan.Create(spec, input, classes: 11);

        using Sequential model = NetworkBuilder.Build(plan);
        Assert.Equal(plan.Parameters, model.parameters().Sum(p => p.numel()));
        model.eval();
        using var batch = torch.randn(2, input.Channels, input.Height, input.Width);
        using var output = model.forward(batch);
        Assert.Equal([2L, 11L], output.shape);
    }

    [Fact]
    public void The_wide_resnet8_example_stays_inside_the_courses_100k_parameters()
    {
        ArchitectureSpec spec = ArchitectureSpec.Resolve(Repository.File("docs/examples/resnet8-wide.json"));
        NetworkPlan plan = NetworkPlan.Create(spec, new InputShape(1, 28, 28), classes: 11);
        long expected = Conv(1, 16, 3, false) + Bn(16) + Residual(16, 16) + Residual(16, 32) + Residual(32, 72) + Dense(72, 11);
        Assert.Equal(expected, plan.Parameters);
        Assert.True(plan.Parameters <= 100_000, $"{plan.Parameters} parameters");
    }

    [Fact]
    public void A_branches_path_that_changes_the_size_is_named_with_what_keeps_it()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["b.json"], """
            { "layers": [ { "type": "branches", "name": "mix", "paths": [ [ { "type": "conv", "filters": 4, "kernel": 1 } ], [ { "type": "maxpool", "size": 2 } ] ] },
                          { "type": "globalavgpool" }, { "type": "flatten" }, { "type": "dense", "units": "classes" } ] }
            """);
        var error = Assert.Throws<InvalidDataException>(() => NetworkPlan.Create(ArchitectureSpec.Load(folder["b.json"]), new InputShape(1, 28, 28), 3));
        Assert.Contains("'mix'", error.Message);
        Assert.Contains("path 1 ends in (1, 14, 14)", error.Message);
        Assert.Contains("padding 1", error.Message);
    }

    [Fact]
    public void An_unknown_layer_type_is_named_with_its_index_and_the_supported_types()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["a.json"], """{ "layers": [ { "type": "conv", "filters": 4 }, { "type": "lstm" } ] }""");
        var error = Assert.Throws<InvalidDataException>(() => ArchitectureSpec.Load(folder["a.json"]));
        Assert.Contains("layers[1]", error.Message);
        Assert.Contains("lstm", error.Message);
        Assert.Contains("residual", error.Message);
    }

    [Fact]
    public void A_misspelt_field_is_named_with_its_layer()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["a.json"], """{ "layers": [ { "type": "conv", "filters": 4, "kernal": 5 } ] }""");
        var error = Assert.Throws<InvalidDataException>(() => ArchitectureSpec.Load(folder["a.json"]));
        Assert.Contains("layers[0] (conv)", error.Message);
        Assert.Contains("kernal", error.Message);
    }

    [Fact]
    public void A_shape_error_names_the_layer_and_the_fix()
    {
        var spec = new ArchitectureSpec { Name = "bad", Layers = [new ConvLayer { Filters = 8 }, new DenseLayer { Units = LayerSpec.ClassCount }] }.WithNames("test");
        var error = Assert.Throws<InvalidDataException>(() => NetworkPlan.Create(spec, new InputShape(1, 8, 8), 3));
        Assert.Contains("'dense_1'", error.Message);
        Assert.Contains("flatten", error.Message);

        var tooDeep = new ArchitectureSpec { Name = "deep", Layers = [new MaxPoolLayer(), new MaxPoolLayer(), new MaxPoolLayer(), new FlattenLayer(), new DenseLayer { Units = LayerSpec.ClassCount }] }.WithNames("test");
        error = Assert.Throws<InvalidDataException>(() => NetworkPlan.Create(tooDeep, new InputShape(1, 4, 4), 3));
        Assert.Contains("'maxpool_3'", error.Message);
    }

    [Fact]
    public void The_output_must_be_one_value_per_class()
    {
        var spec = new ArchitectureSpec { Name = "wide", Layers = [new FlattenLayer(), new DenseLayer { Units = 7 }] }.WithNames("test");
        var error = Assert.Throws<InvalidDataException>(() => NetworkPlan.Create(spec, new InputShape(1, 4, 4), 3));
        Assert.Contains("(7)", error.Message);
        Assert.Contains("3 values", error.Message);
    }
}
