
namespace EdgeCnn.Device.Configuration;

/// <summary>The configured outputs (section <c>Outputs</c>, an array).</summary>
public sealed class OutputList : List<OutputOptions>
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Outputs";
}
