using EdgeCnn.Trainer.Architecture;
using TorchSharp;

namespace EdgeCnn.Trainer.Training;

/// <summary>Loads network weights, with errors that say which file and why (saving is <see cref="EpochCommit"/>'s).</summary>
internal static class Checkpoint
{
    /// <summary>
    /// Loads weights into <paramref name="model"/>. With <paramref name="skipHead"/> the class-count layers of
    /// <paramref name="plan"/> keep their fresh initialisation (transfer learning to other classes).
    /// </summary>
    public static void Load(torch.nn.Module model, string path, NetworkPlan plan, bool skipHead = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found.", path);
        string[] skip = skipHead
            ? model.named_parameters().Select(p => p.name).Where(name => plan.HeadLayers.Any(head => name.StartsWith(head + ".", StringComparison.Ordinal))).ToArray()
            : [];
        try
        {
            model.load(path, strict: !skipHead, skip: skip);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException or NotImplementedException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException(
                $"{path}: the checkpoint does not fit architecture '{plan.Architecture.Name}' with input {plan.Input} and {plan.Classes} classes " +
                $"(or the file is corrupt): {e.Message}. Use the same --arch and input size as the run that wrote it.", e);
        }
    }
}
