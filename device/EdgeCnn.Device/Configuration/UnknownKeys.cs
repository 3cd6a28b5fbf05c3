using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// Finds settings that no options class has, such as <c>"ActivLow": true</c>: the binder would ignore them, and the
/// device would run with the default the user meant to change. Each becomes a configuration error that names the
/// key and, when one is close, the key that was probably meant.
/// </summary>
public static class UnknownKeys
{
    /// <summary>The top-level keys besides the options classes' sections: the logging filters, and what the host sets itself.</summary>
    private static readonly string[] OtherSections = ["Logging", HostDefaults.ApplicationKey, HostDefaults.ContentRootKey, HostDefaults.EnvironmentKey];

    /// <summary>Every unknown key under <paramref name="section"/>, checked against <paramref name="type"/>'s settable properties.</summary>
    public static List<string> In(IConfigurationSection section, Type type)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<string>();
        Walk(section, type, problems);
        return problems;
    }

    /// <summary>Top-level sections that are none of <paramref name="known"/> (nor Logging).</summary>
    public static List<string> Sections(IConfiguration configuration, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string[] all = [.. known, .. OtherSections];
        return configuration.GetChildren().Where(c => !all.Contains(c.Key, StringComparer.OrdinalIgnoreCase))
            .Select(c => $"{c.Key} is not a settings section{Suggest(c.Key, all)}; the sections are {string.Join(", ", known)}.")
            .ToList();
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> problems)
    {
        if (IsValue(type)) return;
        if (ElementType(type) is Type element)
        {
            // A list or array binds children 0, 1, ... in order.
            foreach (IConfigurationSection item in section.GetChildren()) Walk(item, element, problems);
            return;
        }
        Dictionary<string, PropertyInfo> properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out PropertyInfo? property)) Walk(child, property.PropertyType, problems);
            else problems.Add($"{child.Path} is not a setting{Suggest(child.Key, properties.Keys)}; the settings of {section.Path} are {string.Join(", ", properties.Keys)}.");
        }
    }

    private static bool IsValue(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(DateTimeOffset) || t == typeof(Uri);
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)) return null;
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>)) return t.GetGenericArguments()[0];
        }
        return null;
    }

    // ", did you mean X?" for a name within two edits of the key (a typo), else nothing.
    private static string Suggest(string key, IEnumerable<string> names)
    {
        string? closest = names.MinBy(n => Distance(key.ToLowerInvariant(), n.ToLowerInvariant()));
        return closest is not null && Distance(key.ToLowerInvariant(), closest.ToLowerInvariant()) <= 2 ? $" (did you mean {closest}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)], current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>An options validator that reports the unknown keys of <typeparamref name="TOptions"/>'s section.</summary>
    internal sealed class Validator<TOptions>(IConfiguration configuration, string section, IReadOnlyCollection<string>? allSections = null)
        : IValidateOptions<TOptions> where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            List<string> problems = In(configuration.GetSection(section), typeof(TOptions));
            if (allSections is not null) problems.AddRange(Sections(configuration, allSections));
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
