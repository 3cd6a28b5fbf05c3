using System.Globalization;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>
/// An architecture checked against an input shape and a class count: every layer's output shape, parameters and
/// MACs. Building the TorchSharp module, the summary table and the exporter all start from a plan, so a shape
/// error is reported once, by layer name, before anything is allocated.
/// </summary>
internal sealed class NetworkPlan
{
    private NetworkPlan(ArchitectureSpec architecture, InputShape input, int classes, IReadOnlyList<PlannedLayer> layers, IReadOnlyList<string> headLayers)
    {
        Architecture = architecture;
        Input = input;
        Classes = classes;
        Layers = layers;
        HeadLayers = headLayers;
    }

    public ArchitectureSpec Architecture { get; }
    public InputShape Input { get; }
    public int Classes { get; }
    public IReadOnlyList<PlannedLayer> Layers { get; }

    /// <summary>Names of the layers whose width is the class count: what transfer learning replaces.</summary>
    public IReadOnlyList<string> HeadLayers { get; }

    public long Parameters => Layers.Sum(l => l.Parameters);
    public long Macs => Layers.Sum(l => l.Macs);

    public static NetworkPlan Create(ArchitectureSpec architecture, InputShape input, int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a classifier needs at least two classes.");
        if (input.Channels < 1 || input.Height < 1 || input.Width < 1)
            throw new ArgumentException($"input {input} must have positive channels, height and width.");
        if (architecture.Layers.Length == 0) throw new InvalidDataException($"{architecture.Name}: the architecture has no layers.");

        var shape = FeatureShape.Map(input.Channels, input.Height, input.Width);
        var planned = new List<PlannedLayer>();
        var head = new List<string>();
        foreach (LayerSpec raw in architecture.Layers)
        {
            string where = $"{architecture.Name}: layer '{raw.Name}' ({raw.Type}, input {shape})";
            LayerSpec layer = raw switch
            {
                ConvLayer c when c.Filters == LayerSpec.ClassCount => c with { Filters = classes },
                DenseLayer d when d.Units == LayerSpec.ClassCount => d with { Units = classes },
                _ => raw,
            };
            if (!ReferenceEquals(layer, raw)) head.Add(raw.Name!);
            PlannedLayer step = Plan(layer, shape, where);
            planned.Add(step);
            shape = step.Output;
        }
        if (!shape.IsFlat || shape.Channels != classes)
            throw new InvalidDataException($"{architecture.Name}: the network's output is {shape}, but it must be a flat vector of {classes} values (one per class). End with 'flatten' and a dense layer of \"classes\" units (or a \"classes\"-filter conv, global average pooling and flatten).");
        return new NetworkPlan(architecture, input, classes, planned, head);
    }

    private static PlannedLayer Plan(LayerSpec layer, FeatureShape input, string where)
    {
        switch (layer)
        {
            case ConvLayer conv:
            {
                RequireMap(input, where);
                if (conv.Filters < 1) throw Error(where, $"filters is {conv.Filters}; give a positive number or \"classes\".");
                if (conv.Kernel < 1 || conv.Stride < 1) throw Error(where, "kernel and stride must be at least 1.");
                if (conv.Padding == "same" && conv.Kernel % 2 == 0) throw Error(where, $"padding \"same\" needs an odd kernel (got {conv.Kernel}); give the padding in pixels instead.");
                if (conv.Padding is not ("same" or "valid") && !(int.TryParse(conv.Padding, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p >= 0))
                    throw Error(where, $"padding \"{conv.Padding}\" must be \"same\", \"valid\" or a number of pixels.");
                if (conv.Groups < 1 || input.Channels % conv.Groups != 0 || conv.Filters % conv.Groups != 0)
                    throw Error(where, $"groups {conv.Groups} must divide both the input channels ({input.Channels}) and the filters ({conv.Filters}).");
                int pad = PlannedLayer.ResolvePadding(conv);
                int height = (input.Height + 2 * pad - conv.Kernel) / conv.Stride + 1;
                int width = (input.Width + 2 * pad - conv.Kernel) / conv.Stride + 1;
                if (height < 1 || width < 1) throw Error(where, $"a {conv.Kernel}x{conv.Kernel} kernel does not fit; use a larger input or fewer downsampling layers.");
                long perFilter = (long)(input.Channels / conv.Groups) * conv.Kernel * conv.Kernel;
                long parameters = conv.Filters * perFilter + (conv.Bias ? conv.Filters : 0);
                return new(conv, input, FeatureShape.Map(conv.Filters, height, width), parameters, conv.Filters * perFilter * height * width);
            }
            case BatchNormLayer:
                return new(layer, input, input, 2L * input.Channels, 0);
            case ReluLayer or TanhLayer or SigmoidLayer:
                return new(layer, input, input, 0, 0);
            case MaxPoolLayer or AvgPoolLayer:
            {
                RequireMap(input, where);
                (int size, int stride, int pad) = layer is MaxPoolLayer m ? (m.Size, m.Stride ?? m.Size, m.Padding) : (((AvgPoolLayer)layer).Size, ((AvgPoolLayer)layer).Stride ?? ((AvgPoolLayer)layer).Size, 0);
                if (size < 1 || stride < 1) throw Error(where, "size and stride must be at least 1.");
                if (pad < 0 || 2 * pad > size) throw Error(where, $"padding {pad} must be between 0 and half the window ({size / 2}).");
                if (size > input.Height + 2 * pad || size > input.Width + 2 * pad) throw Error(where, $"a {size}x{size} window is larger than the input; remove a downsampling layer or use a larger input.");
                var output = FeatureShape.Map(input.Channels, (input.Height + 2 * pad - size) / stride + 1, (input.Width + 2 * pad - size) / stride + 1);
                return new(layer, input, output, 0, 0);
            }
            case BranchesLayer branches:
            {
                RequireMap(input, where);
                if (branches.Paths.Length < 2) throw Error(where, "give at least two paths (a list of layers each) to run side by side.");
                var paths = new List<IReadOnlyList<PlannedLayer>>();
                int channels = 0;
                foreach ((LayerSpec[] path, int k) in branches.Paths.Select((path, k) => (path, k)))
                {
                    var planned = new List<PlannedLayer>();
                    FeatureShape shape = input;
                    foreach (LayerSpec inner in path)
                    {
                        LayerSpec named = inner with { Name = $"{branches.Name}.p{k}.{inner.Name}" };
                        PlannedLayer step = Plan(named, shape, $"{where}, path {k} layer '{inner.Name}' ({inner.Type}, input {shape})");
                        planned.Add(step);
                        shape = step.Output;
                    }
                    if (shape.IsFlat || shape.Height != input.Height || shape.Width != input.Width)
                        throw Error(where, $"path {k} ends in {shape}, but every path must keep the input's {input.Width}x{input.Height} size so their maps can be concatenated (\"same\" padding; pooling with size 3, stride 1, padding 1).");
                    channels += shape.Channels;
                    paths.Add(planned);
                }
                return new(branches, input, FeatureShape.Map(channels, input.Height, input.Width),
                    paths.Sum(p => p.Sum(l => l.Parameters)), paths.Sum(p => p.Sum(l => l.Macs))) { Paths = paths };
            }
            case GlobalAvgPoolLayer:
                RequireMap(input, where);
                return new(layer, input, FeatureShape.Map(input.Channels, 1, 1), 0, 0);
            case FlattenLayer:
                return new(layer, input, FeatureShape.Vector(checked((int)input.Elements)), 0, 0);
            case DenseLayer dense:
            {
                if (!input.IsFlat) throw Error(where, "dense needs a flat input; add a 'flatten' layer before it.");
                if (dense.Units < 1) throw Error(where, $"units is {dense.Units}; give a positive number or \"classes\".");
                long parameters = (long)input.Channels * dense.Units + (dense.Bias ? dense.Units : 0);
                return new(dense, input, FeatureShape.Vector(dense.Units), parameters, (long)input.Channels * dense.Units);
            }
            case DropoutLayer dropout:
                if (dropout.Rate is < 0 or >= 1) throw Error(where, $"rate {dropout.Rate} must be at least 0 and below 1.");
                return new(layer, input, input, 0, 0);
            case ResidualLayer residual:
            {
                RequireMap(input, where);
                if (residual.Filters < 1 || residual.Stride < 1) throw Error(where, "filters and stride must be at least 1.");
                int height = (input.Height - 1) / residual.Stride + 1;
                int width = (input.Width - 1) / residual.Stride + 1;
                long pixels = (long)height * width, f = residual.Filters, c = input.Channels;
                long parameters = f * c * 9 + 2 * f + f * f * 9 + 2 * f;
                long macs = pixels * (f * c * 9 + f * f * 9);
                if (HasProjection(residual, input.Channels))
                {
                    parameters += f * c + 2 * f;
                    macs += pixels * f * c;
                }
                return new(residual, input, FeatureShape.Map(residual.Filters, height, width), parameters, macs);
            }
            default:
                throw Error(where, $"unsupported layer; supported: {string.Join(", ", LayerSpec.Types)}.");
        }
    }

    /// <summary>A residual block needs a 1x1 projection on its shortcut when it changes the shape.</summary>
    public static bool HasProjection(ResidualLayer residual, int inputChannels) =>
        residual.Stride != 1 || residual.Filters != inputChannels;

    private static void RequireMap(FeatureShape input, string where)
    {
        if (input.IsFlat) throw Error(where, "needs a feature map (C, H, W) but the input is already flat; move it before 'flatten'.");
    }

    private static InvalidDataException Error(string where, string message) => new($"{where}: {message}");
}
