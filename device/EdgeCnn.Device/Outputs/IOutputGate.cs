namespace EdgeCnn.Device.Outputs;

/// <summary>Says whether rules may switch the outputs at a moment (armed), or must hold them off.</summary>
public interface IOutputGate
{
    /// <summary>Whether outputs may be on at <paramref name="now"/>; called on every frame, so it must not allocate.</summary>
    bool AllowsOutputs(DateTimeOffset now);
}
