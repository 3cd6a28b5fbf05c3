using System.CommandLine;
using System.Globalization;
using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Trainer.Training;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>train</c>'s options, in the order its help lists them, read into <see cref="TrainOptions"/>.</summary>
internal sealed class TrainArguments
{
    private static readonly TrainOptions Defaults = new();

    private readonly Option<string?> _data = new("--data") { Description = "An image folder (root/<class>/*.png|jpg, or root/train + root/val), a folder of IDX files, or 'fashion-mnist'." };
    private readonly Option<string> _arch = new("--arch") { Description = $"A preset ({string.Join(", ", Presets.Names)}) or an architecture JSON file.", DefaultValueFactory = _ => Defaults.Architecture };
    public Option<string?> Output { get; } = new("--out") { Description = "Run folder. Default: runs/ARCH-DATE-TIME." };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run in this folder from its last checkpoint (its saved options are used)." };
    public Option<bool> Force { get; } = new("--force") { Description = "With --resume: continue a run written by another trainer version." };
    private readonly Option<int> _epochs = new("--epochs") { DefaultValueFactory = _ => Defaults.Epochs };
    private readonly Option<int> _batch = new("--batch-size") { DefaultValueFactory = _ => Defaults.BatchSize };
    private readonly Option<string> _optimizer = Choice("--optimizer", "sgd, adam or adamw.", EnumNames.Of<OptimizerKind>(), "adamw");
    private readonly Option<double> _lr = new("--lr") { Description = "Learning rate (the peak rate for one-cycle).", DefaultValueFactory = _ => Defaults.LearningRate };
    private readonly Option<double> _momentum = new("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => Defaults.Momentum };
    private readonly Option<bool> _nesterov = new("--nesterov") { Description = "Nesterov momentum (SGD)." };
    private readonly Option<double> _weightDecay = new("--weight-decay") { DefaultValueFactory = _ => Defaults.WeightDecay };
    private readonly Option<string> _schedule = Choice("--schedule", "Learning-rate schedule.", EnumNames.Of<ScheduleKind>(), "one-cycle");
    private readonly Option<int> _stepSize = new("--step-size") { Description = "Step schedule: epochs between decays.", DefaultValueFactory = _ => Defaults.StepSize };
    private readonly Option<double> _gamma = new("--gamma") { Description = "Step schedule: decay factor.", DefaultValueFactory = _ => Defaults.Gamma };
    private readonly Option<string> _loss = Choice("--loss", "cross-entropy (softmax) or hinge (multi-class).", EnumNames.Of<LossKind>(), "cross-entropy");
    private readonly Option<double> _smoothing = new("--label-smoothing") { DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _balance = new("--balance") { Description = "Each epoch draws its images with every class equally likely, however many images it has (a small class's images repeat); the validation split is left as it is, and the empty scenes --scene makes are not counted." };
    private readonly Option<int> _patience = new("--patience") { Description = "Early stopping: epochs without a better validation accuracy (0: off).", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _seed = new("--seed") { DefaultValueFactory = _ => Defaults.Seed };
    private readonly Option<double> _valSplit = new("--val-split") { Description = "Fraction of the training images held out for validation when the dataset has no val split.", DefaultValueFactory = _ => Defaults.ValidationSplit };
    private readonly Option<int> _threads = new("--threads") { Description = "CPU threads for libtorch (0: all cores).", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _device = Choice("--device", "auto takes CUDA when TorchSharp reports it.", ["auto", "cpu", "cuda"], "auto");
    private readonly Option<string?> _initFrom = new("--init-from") { Description = "Start from the weights of an earlier run folder or .pt file; the classifier head is replaced when the classes differ." };
    private readonly Option<string?> _freeze = new("--freeze") { Description = "Keep the layers up to and including this one fixed (names from 'summary')." };
    private readonly Option<string> _resize = Choice("--resize", "How images of another shape are fitted.", EnumNames.Of<ResizeMode>(), "stretch");
    private readonly Option<string?> _mean = new("--mean") { Description = "Per-channel mean after scaling to [0,1], e.g. 0.5 or 0.485,0.456,0.406. Default 0.5." };
    private readonly Option<string?> _std = new("--std") { Description = "Per-channel standard deviation, e.g. 0.5 or 0.229,0.224,0.225. Default 0.5." };
    private readonly AugmentationArguments _augmentation = new();
    private readonly SceneArguments _scene = new();
    private readonly InputOptions _input = new();

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _data, _arch, Output, Resume, Force, _epochs, _batch, _optimizer, _lr, _momentum, _nesterov, _weightDecay, _schedule, _stepSize, _gamma,
                     _loss, _smoothing, _balance, _patience, _seed, _valSplit, _threads, _device, _initFrom, _freeze, _resize, _mean, _std })
            command.Options.Add(option);
        _augmentation.AddTo(command);
        _scene.AddTo(command);
        _input.AddTo(command);
    }

    /// <summary>The options of a new run (not a resumed one: that reads its own).</summary>
    public TrainOptions Read(ParseResult result)
    {
        string data = result.GetValue(_data) ?? throw new ArgumentException("--data is required: an image folder, an IDX folder or 'fashion-mnist'.");
        string arch = result.GetValue(_arch)!;
        return new TrainOptions
        {
            Data = data,
            Architecture = arch,
            Input = _input.Read(result, () => ArchitectureSpec.Resolve(arch).Input ?? DatasetLoader.NativeInput(data)),
            ResizeMode = EnumNames.Parse<ResizeMode>(result.GetValue(_resize)!, "--resize"),
            Mean = ParseFloats(result.GetValue(_mean), "--mean"),
            Std = ParseFloats(result.GetValue(_std), "--std"),
            Epochs = result.GetValue(_epochs),
            BatchSize = result.GetValue(_batch),
            Optimizer = EnumNames.Parse<OptimizerKind>(result.GetValue(_optimizer)!, "--optimizer"),
            LearningRate = result.GetValue(_lr),
            Momentum = result.GetValue(_momentum),
            Nesterov = result.GetValue(_nesterov),
            WeightDecay = result.GetValue(_weightDecay),
            Schedule = EnumNames.Parse<ScheduleKind>(result.GetValue(_schedule)!, "--schedule"),
            StepSize = result.GetValue(_stepSize),
            Gamma = result.GetValue(_gamma),
            Loss = EnumNames.Parse<LossKind>(result.GetValue(_loss)!, "--loss"),
            LabelSmoothing = result.GetValue(_smoothing),
            Balance = result.GetValue(_balance),
            Patience = result.GetValue(_patience),
            Seed = result.GetValue(_seed),
            ValidationSplit = result.GetValue(_valSplit),
            Threads = result.GetValue(_threads),
            Device = result.GetValue(_device)!,
            InitFrom = result.GetValue(_initFrom),
            Freeze = result.GetValue(_freeze),
            BackgroundClass = _scene.BackgroundClass(result),
            Scene = _scene.Read(result),
            Augmentation = _augmentation.Read(result),
        };
    }

    private static Option<string> Choice(string name, string description, string[] choices, string defaultValue)
    {
        var option = new Option<string>(name) { Description = $"{description} One of: {string.Join(", ", choices)}.", DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    private static float[]? ParseFloats(string? text, string option)
    {
        if (text is null) return null;
        try
        {
            return text.Split(',').Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} {text}: write numbers separated by commas, e.g. 0.5 or 0.485,0.456,0.406.");
        }
    }
}
