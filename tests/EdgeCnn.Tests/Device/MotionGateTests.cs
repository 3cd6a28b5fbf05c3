using EdgeCnn.Device.Loop;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Device;

public sealed class MotionGateTests
{
    // The shipped model's preprocessing: 28x28 gray, (x/255 − 0.5)/0.5, so one grey level is 2/255 in the tensor.
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.Unit(28, 28, 1) with { Mean = [0.5f], Std = [0.5f] };

    private static float[] Input(double greyLevel) => Enumerable.Repeat((float)((greyLevel / 255 - 0.5) / 0.5), Spec.TensorLength).ToArray();

    [Fact]
    public void Nothing_is_unchanged_before_a_frame_was_classified()
    {
        Assert.False(new MotionGate(1.5, Spec).Unchanged(Input(100)));
    }

    [Fact]
    public void A_frame_within_the_threshold_of_the_last_classified_one_is_unchanged_one_beyond_it_is_not()
    {
        var gate = new MotionGate(1.5, Spec);
        gate.Remember(Input(100));
        Assert.True(gate.Unchanged(Input(100)));
        Assert.True(gate.Unchanged(Input(101.4)));
        Assert.False(gate.Unchanged(Input(101.6)));
        // A single pixel changing a lot in a still scene: 200 levels over 784 pixels is 0.26 on average.
        float[] onePixel = Input(100);
        onePixel[0] = (float)((300.0 / 255 - 0.5) / 0.5);
        Assert.True(gate.Unchanged(onePixel));
    }

    [Fact]
    public void A_slow_drift_adds_up_because_frames_are_compared_with_the_last_classified_one()
    {
        var gate = new MotionGate(1.5, Spec);
        gate.Remember(Input(100));
        int frame = 1;
        while (gate.Unchanged(Input(100 + 0.4 * frame))) frame++;
        Assert.Equal(4, frame); // 1.6 levels from the remembered input, though each step was 0.4
    }

    [Fact]
    public void A_reset_forgets_the_last_input()
    {
        var gate = new MotionGate(1.5, Spec);
        gate.Remember(Input(100));
        gate.Reset(Spec);
        Assert.False(gate.Unchanged(Input(100)));
    }
}
