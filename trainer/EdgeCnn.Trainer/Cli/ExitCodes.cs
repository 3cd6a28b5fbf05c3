namespace EdgeCnn.Trainer.Cli;

/// <summary>The trainer's exit codes (docs/trainer.md lists them), which scripts act on.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>Bad input: the message names the file, field, option or layer (an unknown command too).</summary>
    public const int BadInput = 2;

    /// <summary>libtorch, TorchSharp's native library, could not be loaded.</summary>
    public const int TorchUnavailable = 3;

    /// <summary>Cancelled by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it); the run folder keeps the last finished epoch.</summary>
    public const int Cancelled = 130;
}
