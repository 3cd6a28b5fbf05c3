using System.Reflection.Emit;
using System.Reflection;

namespace EdgeCnn.Tests.Architecture;

/// <summary>
/// Which namespace of an assembly uses which, read from the compiled code: base types, interfaces, fields,
/// properties, method signatures, attributes' types and every type, method and field a method body names (its IL
/// tokens). Compiler-generated types (lambdas' closures, async state machines) count for the namespace they sit in.
/// </summary>
internal static class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>For each namespace of <paramref name="assembly"/> under <paramref name="root"/>, the others it uses.</summary>
    public static Dictionary<string, HashSet<string>> Of(Assembly assembly, string root)
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Type type in assembly.GetTypes())
        {
            string? from = type.Namespace;
            if (from is null || !from.StartsWith(root, StringComparison.Ordinal)) continue;
            if (!edges.TryGetValue(from, out HashSet<string>? to)) edges[from] = to = new(StringComparer.Ordinal);
            foreach (Type? used in Uses(type)) Add(to, used, assembly, root, from);
        }
        return edges;
    }

    /// <summary>Every cycle between two or more namespaces, each as "A → B → A".</summary>
    public static List<string> Cycles(Dictionary<string, HashSet<string>> edges)
    {
        var cycles = new List<string>();
        // Strongly connected components (Tarjan): each with more than one namespace holds a cycle.
        int index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        void Visit(string v)
        {
            indices[v] = low[v] = index++;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in edges.GetValueOrDefault(v) ?? [])
            {
                if (!indices.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], indices[w]);
            }
            if (low[v] != indices[v]) return;
            var component = new List<string>();
            string n;
            do { n = stack.Pop(); onStack.Remove(n); component.Add(n); } while (n != v);
            if (component.Count > 1) cycles.Add(Describe(component, edges));
        }
        foreach (string v in edges.Keys.Order(StringComparer.Ordinal)) if (!indices.ContainsKey(v)) Visit(v);
        return cycles;
    }

    // The component's namespaces and, for each, which of the others it uses.
    private static string Describe(List<string> component, Dictionary<string, HashSet<string>> edges) =>
        string.Join("; ", component.Order(StringComparer.Ordinal).Select(n =>
            $"{n} → {string.Join(", ", (edges.GetValueOrDefault(n) ?? []).Where(component.Contains).Order(StringComparer.Ordinal))}"));

    private static void Add(HashSet<string> to, Type? used, Assembly assembly, string root, string from)
    {
        if (used is null) return;
        if (used.HasElementType) { Add(to, used.GetElementType(), assembly, root, from); return; }
        if (used.IsGenericType && !used.IsGenericTypeDefinition)
        {
            foreach (Type argument in used.GetGenericArguments()) Add(to, argument, assembly, root, from);
            used = used.GetGenericTypeDefinition();
        }
        if (used.IsGenericParameter || used.Assembly != assembly) return;
        string? ns = used.Namespace;
        if (ns is not null && ns != from && ns.StartsWith(root, StringComparison.Ordinal)) to.Add(ns);
    }

    private static IEnumerable<Type?> Uses(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        yield return type.BaseType;
        foreach (Type i in type.GetInterfaces()) yield return i;
        foreach (CustomAttributeData a in type.CustomAttributes) yield return a.AttributeType;
        foreach (FieldInfo f in type.GetFields(All)) yield return f.FieldType;
        foreach (PropertyInfo p in type.GetProperties(All)) yield return p.PropertyType;
        foreach (MethodBase m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo info) yield return info.ReturnType;
            foreach (ParameterInfo p in m.GetParameters()) yield return p.ParameterType;
            foreach (Type used in BodyUses(m)) yield return used;
        }
    }

    // The types a method body names: through the tokens of its instructions.
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        Type[] typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            OpCode code = OpCodesByValue[value];
            int size = OperandSize(code.OperandType, il, at);
            if (code.OperandType is OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField)
            {
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    // A token in a generic context this reader cannot resolve: its declaring type is seen elsewhere.
                }
                switch (member)
                {
                    case Type t: yield return t; break;
                    case MethodBase m when m.DeclaringType is not null: yield return m.DeclaringType; break;
                    case FieldInfo f when f.DeclaringType is not null: yield return f.DeclaringType; break;
                }
            }
            at += size;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
