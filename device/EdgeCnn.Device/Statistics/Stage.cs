namespace EdgeCnn.Device.Statistics;

/// <summary>The timed parts of handling one frame.</summary>
public enum Stage
{
    /// <summary>Reading and decoding the frame (capture thread).</summary>
    Capture,

    /// <summary>Crop, resize, colour conversion, normalisation into the input tensor.</summary>
    Preprocess,

    /// <summary>ONNX Runtime running the model.</summary>
    Inference,

    /// <summary>Rules and outputs.</summary>
    Decision,
}
