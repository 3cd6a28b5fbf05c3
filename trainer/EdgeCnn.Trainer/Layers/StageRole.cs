namespace EdgeCnn.Trainer.Layers;

/// <summary>
/// A layer's part in the stages whose feature maps <c>inspect</c> shows: a conv or residual block with the batch norm
/// and activation that follow it, and each pooling layer on its own.
/// </summary>
internal enum StageRole
{
    /// <summary>No part of a stage: flatten, dense, dropout, ...</summary>
    None,

    /// <summary>Opens a stage: a conv or a residual block.</summary>
    Opens,

    /// <summary>Belongs to the stage that the layer before it is in: a batch norm or an activation.</summary>
    Follows,

    /// <summary>A stage by itself: a pooling layer.</summary>
    Alone,
}
