namespace EdgeCnn.Device.Capture;

/// <summary>A class activation map: how much each cell of the model's last feature map spoke for the top class, row by row.</summary>
/// <param name="Values">Width × height values, row by row.</param>
/// <param name="Width">Cells across.</param>
/// <param name="Height">Cells down.</param>
public readonly record struct ActivationMap(float[] Values, int Width, int Height);
