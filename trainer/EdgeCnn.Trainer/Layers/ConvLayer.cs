using System.Globalization;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeCnn.Trainer.Layers;

/// <summary>2-D convolution. <c>groups</c> equal to the input channels makes it depthwise.</summary>
internal sealed record ConvLayer : LayerSpec
{
    [JsonConverter(typeof(WidthConverter))]
    public int Filters { get; init; }
    public int Kernel { get; init; } = 3;
    public int Stride { get; init; } = 1;
    /// <summary>"same" (kernel/2 on each side, odd kernels only), "valid" (none) or a number of pixels.</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string Padding { get; init; } = "same";
    public int Groups { get; init; } = 1;
    public bool Bias { get; init; } = true;

    /// <summary>The pixels added on each side for padding "same"/"valid"/N with this kernel.</summary>
    public int PaddingPixels() => Padding switch
    {
        "same" => Kernel / 2,
        "valid" => 0,
        _ => int.Parse(Padding, CultureInfo.InvariantCulture),
    };

    internal override StageRole Stage => StageRole.Opens;

    internal override LayerSpec WithClasses(int classes) => Filters == ClassCount ? this with { Filters = classes } : this;

    internal override PlannedLayer Plan(FeatureShape input, LayerSite site)
    {
        site.RequireMap(input);
        if (Filters < 1) throw site.Error($"filters is {Filters}; give a positive number or \"classes\".");
        if (Kernel < 1 || Stride < 1) throw site.Error("kernel and stride must be at least 1.");
        if (Padding == "same" && Kernel % 2 == 0) throw site.Error($"padding \"same\" needs an odd kernel (got {Kernel}); give the padding in pixels instead.");
        if (Padding is not ("same" or "valid") && !(int.TryParse(Padding, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p >= 0))
            throw site.Error($"padding \"{Padding}\" must be \"same\", \"valid\" or a number of pixels.");
        if (Groups < 1 || input.Channels % Groups != 0 || Filters % Groups != 0)
            throw site.Error($"groups {Groups} must divide both the input channels ({input.Channels}) and the filters ({Filters}).");
        int pad = PaddingPixels();
        int height = (input.Height + 2 * pad - Kernel) / Stride + 1;
        int width = (input.Width + 2 * pad - Kernel) / Stride + 1;
        if (height < 1 || width < 1) throw site.Error($"a {Kernel}x{Kernel} kernel does not fit; use a larger input or fewer downsampling layers.");
        long perFilter = (long)(input.Channels / Groups) * Kernel * Kernel;
        long parameters = Filters * perFilter + (Bias ? Filters : 0);
        return new(this, input, FeatureShape.Map(Filters, height, width), parameters, Filters * perFilter * height * width);
    }

    internal override nn.Module<Tensor, Tensor> Build(PlannedLayer step) =>
        nn.Conv2d(step.Input.Channels, Filters, Kernel, stride: Stride, padding: PaddingPixels(), groups: Groups, bias: Bias);

    internal override ExportedLayer Export(ILayerGraph graph, PlannedLayer step, PlannedLayer? next, string input)
    {
        // A batch norm right after a conv folds into the conv's weights and bias.
        string? foldedBn = next?.Layer is BatchNormLayer ? next.Name : null;
        string output = Write(graph, input, step.Name, foldedBn, step.Input.Channels, Filters, Kernel, Stride, PaddingPixels(), Groups);
        return new(output, FoldedNext: foldedBn is not null);
    }

    /// <summary>
    /// Writes a Conv node from the trained weights of <paramref name="name"/> (a missing bias is zero), with the
    /// batch norm <paramref name="batchNorm"/> folded into its weights and bias when given. A residual block's
    /// convolutions are written the same way.
    /// </summary>
    internal static string Write(ILayerGraph graph, string input, string name, string? batchNorm,
        int inputs, int filters, int kernel, int stride, int pad, int groups)
    {
        float[] w = graph.Trained[$"{name}.weight"];
        float[] b = graph.Trained.TryGetValue($"{name}.bias", out float[]? bias) ? bias : new float[filters];
        if (batchNorm is not null)
        {
            (float[] scale, float[] shift) = BatchNormLayer.Affine(graph.Trained, batchNorm, filters);
            int perFilter = w.Length / filters;
            w = (float[])w.Clone();
            var folded = new float[filters];
            for (int o = 0; o < filters; o++)
            {
                for (int k = 0; k < perFilter; k++) w[o * perFilter + k] *= scale[o];
                folded[o] = b[o] * scale[o] + shift[o];
            }
            b = folded;
        }
        string wName = graph.Weight($"{name}.weight", w, filters, inputs / groups, kernel, kernel);
        string bName = graph.Weight($"{name}.bias", b, filters);
        return graph.Node("Conv", name, [input, wName, bName],
            OnnxAttributes.Ints("kernel_shape", kernel, kernel), OnnxAttributes.Ints("strides", stride, stride), OnnxAttributes.Ints("pads", pad, pad, pad, pad),
            OnnxAttributes.Ints("dilations", 1, 1), OnnxAttributes.Int("group", groups));
    }
}
