using System.Text.RegularExpressions;

namespace EdgeCnn.Tests.Scripts;

/// <summary>The commands the README and docs tell users to paste exist and run as written.</summary>
public sealed partial class DocumentedCommandTests
{
    [Fact]
    public void Every_script_the_readme_and_docs_name_is_executable_in_git()
    {
        string[] documents = [Repository.File("README.md"), Repository.File("systemd/README.md"), .. Directory.GetFiles(Repository.File("docs"), "*.md")];
        // The mode git records is what a fresh clone gets: 100755 runs as ./scripts/NAME, 100644 says "Permission denied".
        Dictionary<string, string> modes = Repository.Run("git", ["ls-files", "-s", "scripts"]).Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(parts => parts[3], parts => parts[0]);
        var named = documents.SelectMany(d => ScriptName().Matches(File.ReadAllText(d)).Select(m => (Document: Path.GetFileName(d), Script: m.Value))).Distinct().ToList();

        Assert.NotEmpty(named);
        foreach ((string document, string script) in named)
        {
            Assert.True(modes.TryGetValue(script, out string? mode), $"{document} names {script}, which git does not have");
            Assert.True(mode == "100755", $"{document} names {script}, which git records as {mode}, not executable");
        }
        Assert.DoesNotContain(modes.Keys, path => path.Contains("__pycache__", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"scripts/[A-Za-z0-9_-]+(\.(sh|py))?\b")]
    private static partial Regex ScriptName();
}
