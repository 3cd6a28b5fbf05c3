using TorchSharp;

namespace EdgeCnn.Trainer.Training;

/// <summary>Loads libtorch once, with a message a user can act on when it cannot be loaded.</summary>
internal static class TorchRuntime
{
    /// <summary>Forces the native library to load; throws <see cref="TorchUnavailableException"/> if it cannot.</summary>
    public static void EnsureLoaded()
    {
        NativeTuning.Apply();
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException)
        {
            throw new TorchUnavailableException(
                "TorchSharp's native library (libLibTorchSharp.so with libtorch) could not be loaded. " +
                "On Debian 12 and Ubuntu 22.04 this is usually libstdc++ being older than the library wants (GLIBCXX_3.4.32): " +
                "build with 'dotnet build' from this repository, which patches the copy in the output folder, and run the built " +
                "program rather than a copy made elsewhere. Details: " + (e.InnerException ?? e).Message.Split('\n')[0], e);
        }
    }

    /// <summary>auto picks CUDA when TorchSharp reports a device, else the CPU.</summary>
    public static torch.Device SelectDevice(string requested)
    {
        EnsureLoaded();
        switch (requested.ToLowerInvariant())
        {
            case "cpu":
                return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new InvalidOperationException("--device cuda: TorchSharp reports no CUDA device. This build uses the CPU libtorch; see README 'Training on a GPU' to build against TorchSharp-cuda-linux.");
                return torch.CUDA;
            case "auto":
                return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
            default:
                throw new ArgumentException($"--device {requested}: use auto, cpu or cuda.");
        }
    }
}

/// <summary>libtorch could not be loaded; the message says why and what to do.</summary>
internal sealed class TorchUnavailableException(string message, Exception inner) : Exception(message, inner);
