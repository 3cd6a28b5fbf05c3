using System.Reflection;

namespace EdgeCnn.Tests.Architecture;

/// <summary>
/// The house rules a reader can count: no method longer than a screen, no constructor that wires more than seven
/// collaborators (records of data excepted). Read from the compiled product assemblies and their PDBs, so a test
/// helper or a generated file never counts.
/// </summary>
public sealed class CodeShapeTests
{
    private const int MostLinesPerMethod = 60;
    private const int MostConstructorParameters = 7;

    public static TheoryData<string> Projects => new() { "EdgeCnn.Vision", "edgecnn-device", "edgecnn-train" };

    [Theory]
    [MemberData(nameof(Projects))]
    public void No_method_spans_more_than_a_screen(string assembly)
    {
        List<CodeShape.MethodSpan> methods = CodeShape.Methods(Assembly.Load(assembly));
        Assert.True(methods.Count > 50, $"{assembly}: only {methods.Count} methods read from its PDB");

        var tooLong = methods.Where(m => m.Lines > MostLinesPerMethod).OrderByDescending(m => m.Lines).ToList();

        Assert.True(tooLong.Count == 0,
            $"{assembly}: {tooLong.Count} methods span more than {MostLinesPerMethod} lines; split them into steps with names:\n  " + string.Join("\n  ", tooLong));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void No_constructor_takes_more_than_seven_parameters(string assembly)
    {
        var wide = CodeShape.Constructors(Assembly.Load(assembly))
            .Where(c => c.Parameters > MostConstructorParameters).OrderByDescending(c => c.Parameters)
            .Select(c => $"{c.Type} ({c.Parameters})").ToList();

        Assert.True(wide.Count == 0,
            $"{assembly}: {wide.Count} constructors take more than {MostConstructorParameters} parameters; group what travels together:\n  " + string.Join("\n  ", wide));
    }
}
