namespace EdgeCnn.Trainer.Quantization;

/// <summary>
/// The 8-bit type of a quantized model's activations (weights are always int8). Both run as integer kernels on
/// arm64; they differ in what ONNX Runtime on x86-64 can fuse.
/// </summary>
internal enum ActivationType
{
    /// <summary>
    /// uint8 activations with int8 weights (U8S8): every QDQ group fuses on x86-64 and on arm64. The default.
    /// </summary>
    Uint8,

    /// <summary>
    /// int8 activations (S8S8), which ONNX Runtime prefers on arm64 CPUs with dot-product instructions (Pi 5). On
    /// x86-64 it converts int8 activations to uint8 only where a value has a single reader, so in a network with
    /// branches (ResNet's shortcuts) the convolutions next to a branch stay in float there.
    /// </summary>
    Int8,
}
