using EdgeCnn.Device.Cli;

namespace EdgeCnn.Device;

internal static class Program
{
    internal static int Main(string[] args) => DeviceCommandLine.Invoke(args);
}
