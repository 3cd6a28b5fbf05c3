using System.Reflection;

namespace EdgeCnn.Trainer;

internal static class TrainerInfo
{
    public static string Version { get; } =
        typeof(TrainerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
