using EdgeCnn.Vision;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Decides whether a frame needs inference: not while the model's prepared input (a small thumbnail of the region of
/// interest, which preprocessing computes anyway) stays within a mean absolute difference of the input last
/// classified. The comparison is against that input, not the previous frame, so a slow drift still adds up to a
/// change. Pure arithmetic on two buffers made once: nothing is allocated per frame.
/// </summary>
public sealed class MotionGate
{
    private readonly double _threshold;
    private float[] _reference = [];
    private float[] _levelsPerUnit = [];
    private int _planeLength;
    private bool _remembered;
    private Classification _last;

    /// <summary>A gate with <paramref name="threshold"/> in grey levels, for inputs prepared by <paramref name="spec"/>.</summary>
    public MotionGate(double threshold, PreprocessingSpec spec)
    {
        _threshold = threshold;
        Reset(spec);
    }

    /// <summary>Forgets the last input; for another model's inputs (a reload).</summary>
    public void Reset(PreprocessingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _reference = new float[spec.TensorLength];
        _planeLength = spec.Width * spec.Height;
        // A tensor value is (pixel · scale − mean) / std: one grey level is scale / std of it.
        _levelsPerUnit = [.. Enumerable.Range(0, spec.Channels).Select(c => (float)(spec.Std[c] / spec.Scale))];
        _remembered = false;
    }

    /// <summary>Whether <paramref name="input"/> is close enough to the last classified input to reuse its result.</summary>
    public bool Unchanged(ReadOnlySpan<float> input)
    {
        if (!_remembered || input.Length != _reference.Length) return false;
        double total = 0;
        for (int c = 0; c < _levelsPerUnit.Length; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * _planeLength, _planeLength);
            ReadOnlySpan<float> reference = _reference.AsSpan(c * _planeLength, _planeLength);
            double sum = 0;
            for (int i = 0; i < plane.Length; i++) sum += Math.Abs(plane[i] - reference[i]);
            total += sum * _levelsPerUnit[c];
        }
        return total / input.Length < _threshold;
    }

    /// <summary>
    /// Runs <paramref name="classifier"/> on its prepared input unless that input is <see cref="Unchanged"/>, in which
    /// case the last result stands (its probabilities are still the classifier's) and <paramref name="skipped"/> is true.
    /// </summary>
    public Classification Infer(OnnxClassifier classifier, out bool skipped)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        skipped = Unchanged(classifier.PreparedInput);
        if (skipped) return _last;
        _last = classifier.Infer();
        Remember(classifier.PreparedInput);
        return _last;
    }

    /// <summary>Keeps <paramref name="input"/>, just classified, as what later frames are compared with.</summary>
    public void Remember(ReadOnlySpan<float> input)
    {
        input.CopyTo(_reference);
        _remembered = true;
    }
}
