using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Vision.Onnx;

/// <summary>
/// ONNX Runtime's fast int8 convolutions on x86-64 CPUs without VNNI (AVX2, and AVX-512 without it) multiply uint8
/// activations by int8 weights in 16-bit pairs that saturate, so an int8 twin drifts far from its fp32 model there:
/// on such a CPU (an AMD EPYC of the Zen 3 kind) the top-1 class changed on 15 of 200 Fashion-MNIST frames, and a
/// twin differed from fp32 by a ninth of its output range. This asks for the exact uint8-by-uint8 kernels instead. It
/// changes nothing on arm64 (the Pi) or on x86-64 CPUs with VNNI, and nothing for fp32 models. Every session that
/// runs a model, in the device and in the trainer, takes it.
/// </summary>
public static class ExactInt8
{
    private const string X64QuantPrecision = "session.x64quantprecision";

    /// <summary>Turns the exact int8 kernels on; returns <paramref name="options"/>.</summary>
    public static SessionOptions WithExactInt8(this SessionOptions options)
    {
        options.AddSessionConfigEntry(X64QuantPrecision, "1");
        return options;
    }
}
