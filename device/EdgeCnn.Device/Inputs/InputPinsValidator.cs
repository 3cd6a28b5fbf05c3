using EdgeCnn.Device.Configuration;
using EdgeCnn.Device.Display;
using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Inputs;

/// <summary>
/// The inputs' pins against the other sections' (a rule the settings of one section cannot check alone): a pin used by
/// an output, by the display's I2C bus (GPIO 2 and 3) or by a passive buzzer's PWM (GPIO 18 and 19) is a
/// configuration error naming both keys. Otherwise the inputs, opened first, would take the line, and the output
/// would fail as if another program held it, and be restarted for ever.
/// </summary>
public sealed class InputPinsValidator(IOptions<OutputList> outputs, IOptions<DisplayOptions> display) : IValidateOptions<InputsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, InputsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var taken = new List<(int Pin, string Key)>();
        OutputList list = outputs.Value;
        for (int i = 0; i < list.Count; i++)
        {
            taken.Add(list[i].Wiring.HeaderLine(list[i], $"{OutputList.Section}:{i}"));
        }
        if (display.Value.Type != DisplayType.None)
        {
            taken.Add((2, $"{DisplayOptions.Section} (I2C SDA)"));
            taken.Add((3, $"{DisplayOptions.Section} (I2C SCL)"));
        }
        var failures = new List<string>();
        foreach ((int pin, string key) in new[] { (options.Button.Pin, $"{InputsOptions.Section}:Button:Pin"), (options.MotionSensor.Pin, $"{InputsOptions.Section}:MotionSensor:Pin") })
        {
            if (pin < 0) continue;
            foreach ((int used, string by) in taken)
            {
                if (used == pin) failures.Add($"{key} is GPIO {pin}, which {by} uses too; wire the input to a free pin.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
