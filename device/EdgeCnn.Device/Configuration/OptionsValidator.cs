using Microsoft.Extensions.Options;

namespace EdgeCnn.Device.Configuration;

/// <summary>
/// Adapts an options class's own <c>Validate</c> method (which throws <see cref="ArgumentException"/> naming the
/// key) to <see cref="IValidateOptions{TOptions}"/>, so that ValidateOnStart reports the same message.
/// </summary>
internal sealed class OptionsValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
