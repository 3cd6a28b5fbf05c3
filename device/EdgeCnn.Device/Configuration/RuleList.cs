
namespace EdgeCnn.Device.Configuration;

/// <summary>The configured rules (section <c>Rules</c>, an array).</summary>
public sealed class RuleList : List<RuleOptions>
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Rules";
}
