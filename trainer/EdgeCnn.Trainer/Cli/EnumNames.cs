using System.Text.Json;

namespace EdgeCnn.Trainer.Cli;

/// <summary>Command-line spellings of enums: the same kebab-case names as in the JSON files.</summary>
internal static class EnumNames
{
    public static string[] Of<T>() where T : struct, Enum =>
        Enum.GetNames<T>().Select(JsonNamingPolicy.KebabCaseLower.ConvertName).ToArray();

    public static T Parse<T>(string value, string option) where T : struct, Enum
    {
        foreach (T candidate in Enum.GetValues<T>())
        {
            if (JsonNamingPolicy.KebabCaseLower.ConvertName(candidate.ToString()) == value.ToLowerInvariant()) return candidate;
        }
        throw new ArgumentException($"{option} {value}: use one of {string.Join(", ", Of<T>())}.");
    }
}
