using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace EdgeCnn.Tests.Architecture;

/// <summary>
/// The shape of a project's code as compiled: how many source lines each method spans (from the portable PDB's
/// sequence points, so lambdas and local functions count for the method they are written in) and how many
/// parameters each constructor takes.
/// </summary>
internal static class CodeShape
{
    /// <summary>
    /// A method's place in its source and how many lines it spans, first statement to last. A constructor counts the
    /// lines that hold its statements instead: its field and property initialisers are declarations spread over the
    /// class, with the members between them.
    /// </summary>
    public sealed record MethodSpan(string File, int FirstLine, int LastLine, int? StatementLines = null)
    {
        public int Lines => StatementLines ?? LastLine - FirstLine + 1;

        public bool IsConstructor => StatementLines is not null;

        public override string ToString() => $"{Path.GetFileName(File)}:{FirstLine} ({Lines} lines)";
    }

    /// <summary>Every method of <paramref name="assembly"/> whose statements span more than one line, outermost only:
    /// a lambda or local function inside another method's span is part of that method.</summary>
    public static List<MethodSpan> Methods(Assembly assembly)
    {
        string pdb = Path.ChangeExtension(assembly.Location, ".pdb");
        if (!File.Exists(pdb)) throw new FileNotFoundException($"{pdb}: the project's portable PDB is needed to read its methods' lines.", pdb);
        using FileStream stream = File.OpenRead(pdb);
        using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(stream);
        MetadataReader reader = provider.GetMetadataReader();
        using var assemblyFile = new PEReader(File.OpenRead(assembly.Location));
        MetadataReader code = assemblyFile.GetMetadataReader();

        var spans = new List<MethodSpan>();
        foreach (MethodDebugInformationHandle handle in reader.MethodDebugInformation)
        {
            MethodDebugInformation method = reader.GetMethodDebugInformation(handle);
            if (method.SequencePointsBlob.IsNil) continue;
            string name = code.GetString(code.GetMethodDefinition(handle.ToDefinitionHandle()).Name);
            bool constructor = name is ".ctor" or ".cctor";
            // Per document: a constructor's field initialisers or a generated partial may lie in another file.
            foreach (var document in method.GetSequencePoints().Where(p => !p.IsHidden).GroupBy(p => p.Document))
            {
                string file = reader.GetString(reader.GetDocument(document.Key).Name);
                if (IsGenerated(file)) continue;
                spans.Add(new MethodSpan(file, document.Min(p => p.StartLine), document.Max(p => p.EndLine),
                    constructor ? document.Select(p => p.StartLine).Distinct().Count() : null));
            }
        }
        // Keep the outermost: a span inside another method's of the same file is a lambda or local function of it.
        return spans
            .GroupBy(s => s.File)
            .SelectMany(file => file.Where(s => !file.Any(o => o != s && !o.IsConstructor && o.FirstLine <= s.FirstLine && o.LastLine >= s.LastLine
                                                              && (o.FirstLine, o.LastLine) != (s.FirstLine, s.LastLine))).Distinct())
            .ToList();
    }

    // Source generators (logging, regular expressions) and protoc write code nobody reads or changes by hand.
    private static bool IsGenerated(string file) =>
        file.EndsWith(".g.cs", StringComparison.Ordinal) || file.Split('/', '\\').Contains("obj");

    /// <summary>Constructors written in <paramref name="assembly"/> (not records' generated ones) and their parameter counts.</summary>
    public static IEnumerable<(string Type, int Parameters)> Constructors(Assembly assembly)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (Type type in assembly.GetTypes())
        {
            if (type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute))
                || type.IsDefined(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute)) || IsRecord(type)) continue;
            foreach (ConstructorInfo constructor in type.GetConstructors(All))
                yield return (type.FullName!, constructor.GetParameters().Length);
        }
    }

    // A record's compiler-made EqualityContract marks it: records are data, their positional parameters are fields.
    private static bool IsRecord(Type type) =>
        type.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null;
}
