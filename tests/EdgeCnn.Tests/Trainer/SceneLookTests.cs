using EdgeCnn.Trainer.Scene;

namespace EdgeCnn.Tests.Trainer;

/// <summary>
/// The two makers of scenes take their item sizes and noise from one place (<see cref="SceneLook"/>), and the
/// difference between them is the intended one: a clip shows nothing outside what training augments with.
/// </summary>
public sealed class SceneLookTests
{
    [Fact]
    public void What_a_clip_shows_lies_inside_what_training_augments_with()
    {
        SceneLook training = SceneLook.Training, clip = SceneLook.Clip;

        Assert.InRange(clip.MinScale, training.MinScale, training.MaxScale);
        Assert.InRange(clip.MaxScale, clip.MinScale, training.MaxScale);
        Assert.InRange(clip.Noise, 0, training.Noise);
    }

    [Fact]
    public void The_training_options_and_the_clip_settings_start_from_their_look()
    {
        var options = new SceneOptions();
        var clip = new SceneClip.Settings();

        Assert.Equal(SceneLook.Training, new SceneLook(options.MinScale, options.MaxScale, options.Noise));
        Assert.Equal(SceneLook.Clip, new SceneLook(clip.MinScale, clip.MaxScale, clip.Noise));
        Assert.Equal("0.33..1", SceneLook.Training.ScaleRange);
        Assert.Equal("0.35..0.9", SceneLook.Clip.ScaleRange);
    }
}
