namespace EdgeCnn.Tests.Scripts;

/// <summary>
/// <c>scripts/NAME.sh --help</c> prints the script's usage (its opening comment) and exits 0, before it does anything:
/// no line of code, no training, no install. deploy-remote.sh is not run by hand (deploy.sh sends it to the Pi).
/// </summary>
public sealed class ScriptHelpTests
{
    public static TheoryData<string> Scripts => [.. Directory.GetFiles(Repository.File("scripts"), "*.sh")
        .Select(Path.GetFileName).OfType<string>().Where(name => name != "deploy-remote.sh").Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Help_prints_the_usage_and_nothing_else(string script)
    {
        (int exit, string output) = Repository.Run($"scripts/{script}", ["--help"], timeout: TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, output);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        // The opening comment, without its '#': no line of the script's code.
        Assert.DoesNotContain(lines, l => l.StartsWith('#') || l.Contains("pipefail", StringComparison.Ordinal) || l.Contains("dirname \"$0\"", StringComparison.Ordinal));
    }
}
