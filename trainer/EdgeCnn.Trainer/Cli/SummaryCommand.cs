using System.CommandLine;
using EdgeCnn.Trainer.Architecture;

namespace EdgeCnn.Trainer.Cli;

/// <summary><c>summary</c>: the layer table of any architecture at any input size, without loading libtorch.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = $"A preset ({string.Join(", ", Presets.Names)}) or an architecture JSON file.", DefaultValueFactory = _ => "resnet8" };
        var classes = new Option<int>("--classes") { Description = "Number of classes.", DefaultValueFactory = _ => 10 };
        var input = new InputOptions();
        var command = new Command("summary", "Print a Keras-style table: layer, output shape, parameters, MACs, and the totals.");
        command.Options.Add(arch);
        command.Options.Add(classes);
        input.AddTo(command);
        command.SetAction(result =>
        {
            ArchitectureSpec spec = ArchitectureSpec.Resolve(result.GetValue(arch)!);
            InputShape shape = input.Read(result, () => spec.Input ?? new InputShape(1, 28, 28)) ?? spec.Input ?? new InputShape(1, 28, 28);
            Console.Write(SummaryTable.Render(NetworkPlan.Create(spec, shape, result.GetValue(classes))));
            return ExitCodes.Success;
        });
        return command;
    }
}
