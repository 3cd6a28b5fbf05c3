namespace EdgeCnn.Tests.Trainer;

[Collection(TorchCollection.Name)]
public class CliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        TextWriter stdout = Console.Out, stderr = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = EdgeCnn.Trainer.Cli.Program.Main(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public void Summary_prints_each_layer_and_the_totals()
    {
        (int code, string output, _) = Run("summary", "--arch", "lenet5");
        Assert.Equal(0, code);
        Assert.Contains("conv_1 (conv)", output);
        Assert.Contains("(16, 5, 5)", output);
        Assert.Contains("Total params: 61,706", output);
        Assert.Contains("Total MACs per image: 416,520", output);
    }

    [Fact]
    public void Summary_follows_the_requested_input_size_and_classes()
    {
        (int code, string output, _) = Run("summary", "--arch", "resnet8", "--size", "64x48", "--channels", "3", "--classes", "4");
        Assert.Equal(0, code);
        Assert.Contains("input 3x48x64", output);
        Assert.Contains("(64, 12, 16)", output);
        Assert.Contains("dense_1 (dense)", output);
        Assert.Contains("(4)", output);
    }

    [Fact]
    public void Bad_input_gets_one_clear_line_and_a_non_zero_exit()
    {
        (int code, _, string error) = Run("train", "--data", "/no/such/folder", "--epochs", "1");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --data /no/such/folder: folder not found", error);
        Assert.DoesNotContain("   at ", error);

        (code, _, error) = Run("summary", "--arch", "lenet5", "--size", "big");
        Assert.Equal(2, code);
        Assert.Contains("--size big", error);
    }

    [Fact]
    public void An_unknown_command_is_an_error_naming_the_commands_even_with_help()
    {
        foreach (string[] args in new[] { new[] { "prune", "--help" }, ["prune"] })
        {
            (int code, string output, string error) = Run(args);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.StartsWith("error: 'prune' is not a command; the commands are train, evaluate, export, quantize, inspect, summary, clip", error);
        }
        Assert.Equal(0, Run("summary", "--help").Code);
    }
}
