
namespace EdgeCnn.Device.Configuration;

/// <summary>The configured outputs (section <c>Outputs</c>, an array).</summary>
public sealed class OutputList : List<OutputOptions>
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Outputs";

    /// <summary>Checks that output names and pins are unique and that every rule's outputs exist.</summary>
    public static void Validate(IReadOnlyList<OutputOptions> outputs, IReadOnlyList<RuleOptions> rules)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rules);
        for (int i = 0; i < outputs.Count; i++)
        {
            outputs[i].Validate($"Outputs:{i}");
            for (int j = 0; j < i; j++)
            {
                if (outputs[j].Name == outputs[i].Name)
                    throw new ArgumentException($"Outputs:{i}:Name '{outputs[i].Name}' is also the name of Outputs:{j}; names must be unique.");
                if (outputs[i].Wiring.UsesGpioController && outputs[j].Wiring.UsesGpioController && outputs[j].Pin == outputs[i].Pin)
                    throw new ArgumentException($"Outputs:{i}:Pin {outputs[i].Pin} is also the pin of Outputs:{j} ('{outputs[j].Name}'); give each output its own pin.");
            }
        }
        for (int r = 0; r < rules.Count; r++)
        {
            foreach (string name in rules[r].Outputs)
            {
                if (!outputs.Any(o => o.Name == name))
                    throw new ArgumentException($"Rules:{r}:Outputs names '{name}', which is not a configured output; the outputs are: {(outputs.Count == 0 ? "(none)" : string.Join(", ", outputs.Select(o => o.Name)))}.");
            }
        }
    }
}
