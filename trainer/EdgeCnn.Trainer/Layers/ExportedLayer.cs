namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// What a layer's ONNX export wrote: the value its nodes output, and whether it folded the layer after it into
/// them (a conv takes in the batch norm that follows it), in which case that layer writes nothing.
/// </summary>
internal readonly record struct ExportedLayer(string Output, bool FoldedNext = false);
