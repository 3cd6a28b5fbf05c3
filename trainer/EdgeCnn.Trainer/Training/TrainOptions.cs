using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Scene;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Training;

internal enum OptimizerKind { Sgd, Adam, Adamw }

internal enum ScheduleKind { None, Step, Cosine, OneCycle }

internal enum LossKind { CrossEntropy, Hinge }

/// <summary>Random augmentations applied to each training batch; 0 or false turns one off.</summary>
internal sealed record AugmentationOptions
{
    /// <summary>Largest random shift, as a fraction of the width and height (whole pixels are used).</summary>
    public double Shift { get; init; } = 0.1;

    /// <summary>Mirror half of the images left to right.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Largest random rotation in degrees.</summary>
    public double Rotate { get; init; }

    /// <summary>Largest brightness change, as a fraction of the full pixel range.</summary>
    public double Brightness { get; init; }

    /// <summary>Largest contrast change, as a fraction (0.2 means a factor between 0.8 and 1.2).</summary>
    public double Contrast { get; init; }

    /// <summary>Probability of erasing one random rectangle of each image.</summary>
    public double Erase { get; init; }

    public static AugmentationOptions None { get; } = new() { Shift = 0, Flip = false };

    public bool Any => Shift > 0 || Flip || Rotate > 0 || Brightness > 0 || Contrast > 0 || Erase > 0;

    public void Validate()
    {
        if (Shift is < 0 or > 0.5) throw new ArgumentException($"--shift {Shift}: use a fraction between 0 and 0.5.");
        if (Rotate is < 0 or > 180) throw new ArgumentException($"--rotate {Rotate}: use degrees between 0 and 180.");
        if (Brightness is < 0 or > 1) throw new ArgumentException($"--brightness {Brightness}: use a fraction between 0 and 1.");
        if (Contrast is < 0 or > 1) throw new ArgumentException($"--contrast {Contrast}: use a fraction between 0 and 1.");
        if (Erase is < 0 or > 1) throw new ArgumentException($"--erase {Erase}: use a probability between 0 and 1.");
    }
}

/// <summary>Everything that decides a training run. Saved in the run folder so <c>--resume</c> continues it exactly.</summary>
internal sealed record TrainOptions
{
    public string Data { get; init; } = "";
    public string Architecture { get; init; } = "resnet8";
    /// <summary>Overrides the architecture's and the dataset's input size.</summary>
    public InputShape? Input { get; init; }
    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adamw;
    public double LearningRate { get; init; } = 0.002;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; } = 5e-4;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.OneCycle;
    /// <summary>For the step schedule: epochs between decays.</summary>
    public int StepSize { get; init; } = 10;
    /// <summary>For the step schedule: the factor applied at each decay.</summary>
    public double Gamma { get; init; } = 0.1;
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;
    public double LabelSmoothing { get; init; }
    /// <summary>Draw every class equally often in each epoch (<see cref="EpochOrder"/>), however many images it has.</summary>
    public bool Balance { get; init; }
    public AugmentationOptions Augmentation { get; init; } = new();
    /// <summary>Stop after this many epochs without a better validation accuracy; 0 never stops early.</summary>
    public int Patience { get; init; }
    public int Seed { get; init; } = 1;
    public double ValidationSplit { get; init; } = 0.1;
    /// <summary>libtorch threads; 0 uses every core.</summary>
    public int Threads { get; init; }
    public string Device { get; init; } = "auto";
    /// <summary>A run folder or checkpoint whose weights start this run.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Keep the layers up to and including this one fixed.</summary>
    public string? Freeze { get; init; }

    /// <summary>
    /// The class that means "nothing of interest". Null: <see cref="DefaultBackgroundClass"/> when the data has such a
    /// folder, or when scene augmentation adds it; a name the data lacks is an error unless scenes add it.
    /// </summary>
    public string? BackgroundClass { get; init; }

    /// <summary>Scene augmentation; null leaves it off.</summary>
    public SceneOptions? Scene { get; init; }

    public const string DefaultBackgroundClass = "background";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("--data is required: an image folder, an IDX folder or 'fashion-mnist'.");
        if (Epochs < 1) throw new ArgumentException($"--epochs {Epochs}: train for at least one epoch.");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size {BatchSize}: must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr {LearningRate}: must be positive.");
        if (Momentum is < 0 or >= 1) throw new ArgumentException($"--momentum {Momentum}: use a value in [0, 1).");
        if (Nesterov && (Optimizer != OptimizerKind.Sgd || Momentum == 0)) throw new ArgumentException("--nesterov needs --optimizer sgd with a non-zero --momentum.");
        if (WeightDecay < 0) throw new ArgumentException($"--weight-decay {WeightDecay}: must not be negative.");
        if (StepSize < 1) throw new ArgumentException($"--step-size {StepSize}: must be at least 1 epoch.");
        if (Gamma is <= 0 or > 1) throw new ArgumentException($"--gamma {Gamma}: use a factor in (0, 1].");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentException($"--label-smoothing {LabelSmoothing}: use a value in [0, 1).");
        if (LabelSmoothing > 0 && Loss != LossKind.CrossEntropy) throw new ArgumentException("--label-smoothing applies to --loss cross-entropy only.");
        if (Patience < 0) throw new ArgumentException($"--patience {Patience}: must not be negative.");
        if (ValidationSplit is <= 0 or >= 1) throw new ArgumentException($"--val-split {ValidationSplit}: use a fraction between 0 and 1.");
        if (Threads < 0) throw new ArgumentException($"--threads {Threads}: must not be negative.");
        if (BackgroundClass is not null && string.IsNullOrWhiteSpace(BackgroundClass)) throw new ArgumentException("--background-class is empty; name the class folder that holds the empty scene.");
        Augmentation.Validate();
        Scene?.Validate();
    }
}
