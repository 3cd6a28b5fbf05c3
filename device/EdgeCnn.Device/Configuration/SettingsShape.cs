using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// Finds settings the binder would ignore or drop: keys no options class has, such as <c>"ActivLow": true</c> (the
/// device would run with the default the user meant to change), and values that do not convert to their setting's
/// type, such as <c>"Threshold": "0,7"</c> (inside a list the binder drops the whole element without a word, so a
/// rule would vanish; elsewhere it throws a message that names no allowed value). Each becomes a configuration error
/// that names the key, the value and what is allowed, or the key that was probably meant.
/// </summary>
public static class SettingsShape
{
    /// <summary>The top-level keys besides the options classes' sections: the logging filters, and what the host sets itself.</summary>
    private static readonly string[] OtherSections = ["Logging", HostDefaults.ApplicationKey, HostDefaults.ContentRootKey, HostDefaults.EnvironmentKey];

    /// <summary>Every unknown key and unconvertible value under <paramref name="section"/>, checked against <paramref name="type"/>'s settable properties.</summary>
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

    /// <summary>
    /// Every log level under <c>Logging</c> that is not one of the names <see cref="Microsoft.Extensions.Logging.LogLevel"/>
    /// has: the logging setup would throw on it with no key named.
    /// </summary>
    public static List<string> LogLevels(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        // Logging:LogLevel:Category, and a provider's own, such as Logging:Console:LogLevel:Category.
        foreach (IConfigurationSection levels in Descendants(configuration.GetSection("Logging")).Where(s => s.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (IConfigurationSection level in levels.GetChildren())
            {
                if (level.Value is string value && ValueProblem(value, typeof(Microsoft.Extensions.Logging.LogLevel)) is string problem)
                    problems.Add($"{level.Path} is '{value}', {problem}");
            }
        }
        return problems;
    }

    private static IEnumerable<IConfigurationSection> Descendants(IConfigurationSection section) =>
        section.GetChildren().SelectMany(child => Descendants(child).Prepend(child));

    private static void Walk(IConfigurationSection section, Type type, List<string> problems)
    {
        if (IsValue(type))
        {
            if (section.Value is string value && ValueProblem(value, type) is string problem) problems.Add($"{section.Path} is '{value}', {problem}");
            return;
        }
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

    // Why the binder cannot convert value to type (it converts with the type's TypeConverter, invariant culture), or null.
    private static string? ValueProblem(string value, Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || (value.Length == 0 && t != type)) return null;
        if (t.IsEnum)
        {
            return Enum.TryParse(t, value, ignoreCase: true, out object? parsed) && Enum.IsDefined(t, parsed!) && !IsNumber(value) ? null
                : $"which is not one of {string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))}.";
        }
        if (t == typeof(bool)) return bool.TryParse(value, out _) ? null : "which is not true or false.";
        if (t == typeof(TimeSpan))
            return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _) ? null : "which is not a duration; write hours:minutes:seconds, such as 00:00:02 for two seconds or 00:00:00.5 for half of one.";
        try
        {
            _ = TypeDescriptor.GetConverter(t).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException || e.InnerException is FormatException or OverflowException)
        {
            return t == typeof(float) || t == typeof(double) || t == typeof(decimal) ? "which is not a number; write it with a decimal point, such as 0.7."
                : t == typeof(int) || t == typeof(long) || t == typeof(uint) || t == typeof(ushort) || t == typeof(byte) ? "which is not a whole number."
                : $"which is not a {t.Name}.";
        }
    }

    private static bool IsNumber(string value) => value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+');

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

    /// <summary>
    /// Checks <typeparamref name="TOptions"/>'s section before the binder runs (it is registered before the binding),
    /// because the binder throws or drops on a value it cannot convert; its problems are thrown as the validation
    /// failures of ValidateOnStart are, so <c>run</c> and <c>check</c> report them alike.
    /// </summary>
    internal sealed class Check<TOptions>(IConfiguration configuration, string section, IReadOnlyCollection<string>? allSections = null)
        : IConfigureOptions<TOptions> where TOptions : class
    {
        public void Configure(TOptions options)
        {
            List<string> problems = In(configuration.GetSection(section), typeof(TOptions));
            if (allSections is not null) problems.AddRange(Sections(configuration, allSections));
            if (problems.Count > 0) throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), problems);
        }
    }
}
