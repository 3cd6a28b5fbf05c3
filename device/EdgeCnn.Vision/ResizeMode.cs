namespace EdgeCnn.Vision;

/// <summary>How a frame of any size becomes the network's input size.</summary>
public enum ResizeMode
{
    /// <summary>Resize to the input size, ignoring the aspect ratio.</summary>
    Stretch,

    /// <summary>Crop the largest centred region with the input's aspect ratio, then resize it.</summary>
    CenterCrop,

    /// <summary>Resize to fit inside the input size, keeping the aspect ratio, and pad the rest with black.</summary>
    Letterbox,
}
