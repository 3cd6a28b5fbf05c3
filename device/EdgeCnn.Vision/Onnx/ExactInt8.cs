using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.OnnxRuntime;

namespace EdgeCnn.Vision.Onnx;

/// <summary>
/// ONNX Runtime's fast int8 convolutions on x86-64 CPUs without VNNI (AVX2, and AVX-512 without it) multiply uint8
/// activations by int8 weights in 16-bit pairs that saturate, so an int8 twin drifts far from its fp32 model there:
/// on such a CPU (an AMD EPYC of the Zen 3 kind) the top-1 class changed on 15 of 200 Fashion-MNIST frames, and a
/// twin differed from fp32 by a ninth of its output range. On those CPUs this asks for the exact uint8-by-uint8
/// kernels instead. With VNNI the fast path is exact already and the exact kernels only cost time (on an AVX-512
/// VNNI Xeon the garden model's int8 twin took 1.8 ms with them against 1.0 ms without), and arm64 (the Pi) has no
/// such path, so there it asks for nothing. Every session that runs a model, in the device and in the trainer,
/// takes it; fp32 models are not affected.
/// </summary>
public static class ExactInt8
{
    private const string X64QuantPrecision = "session.x64quantprecision";

    /// <summary>Whether this is an x86-64 CPU with VNNI (AVX-VNNI or AVX-512 VNNI), whose fast int8 path is exact.</summary>
    public static bool X64Vnni { get; } = RuntimeInformation.ProcessArchitecture == Architecture.X64 && HasVnni();

    /// <summary>Whether this CPU needs the exact kernels: x86-64 without VNNI, or where that cannot be told.</summary>
    public static bool Needed { get; } = RuntimeInformation.ProcessArchitecture == Architecture.X64 && !X64Vnni;

    /// <summary>Turns the exact int8 kernels on where <see cref="Needed"/>; returns <paramref name="options"/>.</summary>
    public static SessionOptions WithExactInt8(this SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Needed) options.AddSessionConfigEntry(X64QuantPrecision, "1");
        return options;
    }

    // AVX-VNNI .NET reports itself (unless configuration turns it off); AVX-512 VNNI it does not, so Linux's CPU
    // flags tell for both. Unreadable flags count as no VNNI: the exact kernels are slower, never wrong.
    private static bool HasVnni()
    {
        if (AvxVnni.IsSupported) return true;
        try
        {
            using var cpuinfo = new StreamReader("/proc/cpuinfo");
            while (cpuinfo.ReadLine() is { } line)
                if (line.StartsWith("flags", StringComparison.Ordinal)) {
                    string[] flags = line.Split(' ');
                    return flags.Contains("avx512_vnni") || flags.Contains("avx_vnni");
                }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return false;
    }
}
