using EdgeCnn.Trainer.Architecture;
using TorchSharp;

namespace EdgeCnn.Trainer.Training;

/// <summary>Loads network weights, with errors that say which file and why (saving is <see cref="EpochCommit"/>'s).</summary>
internal static class Checkpoint
{
    /// <summary>
    /// Loads weights into <paramref name="model"/>. With <paramref name="skipHead"/> the class-count layers of
    /// <paramref name="plan"/> keep their fresh initialisation (transfer learning to other classes), and so does any
    /// layer the file does not hold (a network grown by a block from a smaller one's weights).
    /// </summary>
    /// <returns>The layers that kept their fresh initialisation, in the network's order (none for a strict load).</returns>
    public static IReadOnlyList<string> Load(torch.nn.Module model, string path, NetworkPlan plan, bool skipHead = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found.", path);
        string[] skip = skipHead
            ? model.named_parameters().Select(p => p.name).Where(name => plan.HeadLayers.Any(head => name.StartsWith(head + ".", StringComparison.Ordinal))).ToArray()
            : [];
        try
        {
            var loaded = new Dictionary<string, bool>(StringComparer.Ordinal);
            model.load(path, strict: !skipHead, skip: skip, loadedParameters: loaded);
            return [.. model.state_dict().Keys
                // TorchSharp marks a skipped name as found in the file; it still kept its fresh initialisation.
                .Where(name => !loaded.GetValueOrDefault(name) || skip.Contains(name))
                .Select(name => name.Contains('.') ? name[..name.IndexOf('.')] : name)
                .Distinct()];
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException or NotImplementedException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException(
                $"{path}: the checkpoint does not fit architecture '{plan.Architecture.Name}' with input {plan.Input} and {plan.Classes} classes " +
                $"(or the file is corrupt): {e.Message}. Use the same --arch and input size as the run that wrote it, or, with --init-from, a run folder of an architecture this one grows by new layers (resnet8 into resnet10).", e);
        }
    }
}
