using System.Reflection;

namespace EdgeCnn.Tests.Architecture;

/// <summary>
/// No two folders (namespaces) of a project use each other, directly or round a longer loop: each has a direction,
/// so that a change in one reaches only those above it. Read from the compiled assemblies.
/// </summary>
public sealed class NamespaceCycleTests
{
    public static TheoryData<string, string> Projects => new()
    {
        { "EdgeCnn.Vision", "EdgeCnn.Vision" },
        { "edgecnn-device", "EdgeCnn.Device" },
        { "edgecnn-train", "EdgeCnn.Trainer" },
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public void No_namespaces_of_a_project_use_each_other(string assembly, string root)
    {
        Dictionary<string, HashSet<string>> edges = NamespaceGraph.Of(Assembly.Load(assembly), root);
        Assert.True(edges.Count > 2, $"{assembly}: only {edges.Count} namespaces read");

        List<string> cycles = NamespaceGraph.Cycles(edges);

        Assert.True(cycles.Count == 0, $"{assembly} has namespace cycles:\n  " + string.Join("\n  ", cycles));
    }
}
