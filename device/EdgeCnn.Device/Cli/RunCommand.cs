using System.CommandLine;
using EdgeCnn.Device.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeCnn.Device.Cli;

/// <summary><c>run</c> (the default verb): the service.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run the service (the default): capture, classify, decide, switch outputs. Stops on Ctrl-C or SIGTERM with every output off.");
        command.SetAction((result, token) => RunAsync(result.GetValue(DeviceCommandLine.Config), token));
        return command;
    }

    public static async Task<int> RunAsync(string? configFile, CancellationToken token)
    {
        using IHost host = DeviceHost.Build(configFile);
        FrameLoopService loop = host.Services.GetRequiredService<FrameLoopService>();
        await host.RunAsync(token).ConfigureAwait(false);
        return loop.ExitCode;
    }
}
