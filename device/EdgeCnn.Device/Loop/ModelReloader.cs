using System.Text.Json;
using EdgeCnn.Device.Configuration;
using EdgeCnn.Vision;
using Microsoft.Extensions.Logging;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Watches the model file and its manifest. When either is replaced, it validates the new pair off the frame loop
/// (manifest, SHA-256, input shape, the same labels, a test inference) and hands it to the loop, which swaps it in
/// between two frames. A model that fails any check is refused with a log line and the running one stays.
/// </summary>
public sealed partial class ModelReloader : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(700);
    private readonly ModelOptions _options;
    private readonly FrameLoop _loop;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _settle;
    private readonly Lock _gate = new();
    private readonly string _modelName;
    private readonly string _manifestName;
    private long _reloads;
    private bool _disposed;

    /// <summary>Starts watching <see cref="ModelOptions.Path"/> and its manifest.</summary>
    public ModelReloader(ModelOptions options, FrameLoop loop, ILogger<ModelReloader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loop = loop;
        _logger = logger;
        string full = options.FullPath;
        _modelName = Path.GetFileName(full);
        _manifestName = Path.GetFileName(Path.ChangeExtension(full, ".json"));
        _settle = new Timer(_ => ReloadOrRefuse());
        // Copying a file raises several events; the reload waits until the folder has been quiet for a moment.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += OnChange;
        _watcher.Created += OnChange;
        _watcher.Renamed += OnChange;
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>How many times a new model was swapped in.</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    /// <summary>Why the last replaced model was refused, or null.</summary>
    public string? LastRefusal { get; private set; }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        if (e.Name == _modelName || e.Name == _manifestName) _settle.Change(Settle, Timeout.InfiniteTimeSpan);
    }

    // On a timer thread, where an exception would end the process: nothing a replaced model does may escape.
    private void ReloadOrRefuse()
    {
        try
        {
            Reload();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Refuse($"checking it failed: {e.Message}");
        }
    }

    private void Reload()
    {
        lock (_gate)
        {
            if (_disposed) return;
            OnnxClassifier running = _loop.Classifier;
            OnnxClassifier next;
            try
            {
                next = OnnxClassifier.Open(_options.Path, _options.ToClassifierOptions());
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException
                                          or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                Refuse(e.Message);
                return;
            }
            string? problem = Check(next, running);
            if (problem is not null)
            {
                next.Dispose();
                if (problem.Length > 0) Refuse(problem);
                return;
            }
            LastRefusal = null;
            ModelManifest manifest = next.Manifest;
            LogAccepted(_options.FullPath);
            _loop.Offer(next).ContinueWith(swap =>
            {
                if (!swap.IsCompletedSuccessfully) return;
                swap.Result.Dispose();
                Interlocked.Increment(ref _reloads);
                LogReloaded(_options.FullPath, manifest.Architecture, manifest.ModelSha256[..12]);
            }, TaskScheduler.Default);
        }
    }

    // Null when the new model may replace the running one; empty when it is the same model and manifest (nothing to do).
    // A new manifest beside the same weights (another open-set threshold) is a new model: it is reloaded too.
    private static string? Check(OnnxClassifier next, OnnxClassifier running)
    {
        if (next.Manifest.ModelSha256 == running.Manifest.ModelSha256 &&
            JsonSerializer.Serialize(next.Manifest, VisionJson.Options) == JsonSerializer.Serialize(running.Manifest, VisionJson.Options)) return "";
        if (!next.Manifest.Labels.SequenceEqual(running.Manifest.Labels))
            return $"its labels ({string.Join(", ", next.Manifest.Labels)}) differ from the running model's ({string.Join(", ", running.Manifest.Labels)}); " +
                   "the rules are bound to those, so restart the service to change classes.";
        // A test inference on a neutral input (all zeros after normalisation): the model must run and give probabilities.
        Classification test;
        try
        {
            test = next.ClassifyPrepared(new float[next.Manifest.Preprocessing.TensorLength]);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            return $"a test inference failed: {e.Message}";
        }
        if (!float.IsFinite(test.Probability)) return "a test inference gave no finite probabilities.";
        return null;
    }

    private void Refuse(string reason)
    {
        LastRefusal = reason;
        LogRefused(_options.FullPath, reason);
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        lock (_gate) _disposed = true;
        _watcher.Dispose();
        _settle.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "model reloaded: {Path} ({Architecture}, SHA-256 {Sha}...), swapped in between two frames")]
    private partial void LogReloaded(string path, string architecture, string sha);

    [LoggerMessage(Level = LogLevel.Information, Message = "the replaced model {Path} passed its checks; it is swapped in before the next frame")]
    private partial void LogAccepted(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the replaced model {Path} was refused, the running one stays: {Reason}")]
    private partial void LogRefused(string path, string reason);
}
