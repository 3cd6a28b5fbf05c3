namespace EdgeCnn.Device.Outputs;

/// <summary>An LED or buzzer that a rule switches; disposing it always leaves it off.</summary>
public interface IDeviceOutput : IDisposable
{
    /// <summary>The output's name.</summary>
    string Name { get; }

    /// <summary>Whether the device is physically on right now.</summary>
    bool IsOn { get; }

    /// <summary>The rule became active at <paramref name="now"/>: on, or start the pattern.</summary>
    void Activate(DateTimeOffset now);

    /// <summary>The rule was released: off.</summary>
    void Deactivate();

    /// <summary>Advances a pattern to <paramref name="now"/>; called from the frame loop.</summary>
    void Tick(DateTimeOffset now);
}
