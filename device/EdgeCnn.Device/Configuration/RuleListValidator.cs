using EdgeCnn.Vision;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Configuration;

/// <summary>Checks the rules against the model's labels and the configured outputs; messages name the key.</summary>
internal sealed class RuleListValidator(IOptions<ModelOptions> model, IOptions<OutputList> outputs) : IValidateOptions<RuleList>
{
    public ValidateOptionsResult Validate(string? name, RuleList options)
    {
        var failures = new List<string>();
        // A broken Model or Outputs section is reported by its own validator; here it only limits what can be checked.
        string? modelPath = ValueOrNull(model)?.Path;
        OutputList? outputList = ValueOrNull(outputs);
        string manifestPath = Path.ChangeExtension(modelPath ?? "", ".json");
        if (modelPath is not null && File.Exists(manifestPath))
        {
            try
            {
                ModelManifest manifest = ModelManifest.Load(manifestPath);
                for (int i = 0; i < options.Count; i++) Collect(failures, () => options[i].Validate($"{RuleList.Section}:{i}", manifest.Labels, manifest.BackgroundLabel));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // The model's own check reports a broken manifest; here the labels are just unknown.
            }
        }
        for (int i = 0; i < options.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (options[i].Name == options[j].Name) failures.Add($"{RuleList.Section}:{i}:Name '{options[i].Name}' is also the name of {RuleList.Section}:{j}; names must be unique.");
                else if (TopicLevel.Of(options[i].Name) == TopicLevel.Of(options[j].Name))
                    failures.Add($"{RuleList.Section}:{i}:Name '{options[i].Name}' and {RuleList.Section}:{j}:Name '{options[j].Name}' both become '{TopicLevel.Of(options[i].Name)}' in MQTT topics and Home Assistant ids; rename one of them.");
            }
        }
        if (outputList is not null) Collect(failures, () => OutputList.Validate(outputList, options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static T? ValueOrNull<T>(IOptions<T> options) where T : class
    {
        try
        {
            return options.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    private static void Collect(List<string> failures, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            failures.Add(e.Message);
        }
    }
}
