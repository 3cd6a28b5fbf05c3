using EdgeCnn.Vision;
using OpenCvSharp;

namespace EdgeCnn.Tests.Vision;

public class PreprocessingTests
{
    // A 2x1 BGR image: pixel 0 is pure red, pixel 1 is (B=10, G=20, R=30).
    private static Mat TwoPixels()
    {
        var image = new Mat(1, 2, MatType.CV_8UC3);
        image.Set(0, 0, new Vec3b(0, 0, 255));
        image.Set(0, 1, new Vec3b(10, 20, 30));
        return image;
    }

    [Fact]
    public void Rgb_planes_are_scaled_and_normalised_per_channel()
    {
        var spec = new PreprocessingSpec
        {
            Width = 2, Height = 1, Channels = 3, ChannelOrder = ChannelOrder.Rgb,
            Scale = 1f / 255f, Mean = [0.5f, 0.25f, 0f], Std = [0.5f, 0.25f, 2f],
        };
        using var preprocessor = new ImagePreprocessor(spec);
        using Mat image = TwoPixels();
        var tensor = new float[6];
        preprocessor.Prepare(image, tensor);

        // Plane R: (255/255 - 0.5)/0.5 = 1, (30/255 - 0.5)/0.5; plane G: (0 - 0.25)/0.25 = -1, (20/255 - 0.25)/0.25; plane B: 0, (10/255)/2.
        float[] expected = [1f, (30f / 255 - 0.5f) / 0.5f, -1f, (20f / 255 - 0.25f) / 0.25f, 0f, 10f / 255 / 2];
        Assert.Equal(expected.Length, tensor.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], tensor[i], 1e-6f);
    }

    [Fact]
    public void Bgr_order_keeps_opencv_planes()
    {
        using var preprocessor = new ImagePreprocessor(PreprocessingSpec.Unit(2, 1, 3) with { ChannelOrder = ChannelOrder.Bgr });
        using Mat image = TwoPixels();
        var tensor = new float[6];
        preprocessor.Prepare(image, tensor);
        float[] expected = [0f, 10f / 255, 0f, 20f / 255, 1f, 30f / 255];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], tensor[i], 1e-6f);
    }

    [Theory]
    [InlineData(ResizeMode.Stretch)]
    [InlineData(ResizeMode.CenterCrop)]
    [InlineData(ResizeMode.Letterbox)]
    public void A_camera_frame_for_an_rgb_model_gives_the_numbers_of_converting_it_first(ResizeMode mode)
    {
        // The BGR frame is not converted (its planes are read in reverse): the tensor must be that of an RGB frame.
        using var frame = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(frame, Scalar.All(0), Scalar.All(256));
        Cv2.GaussianBlur(frame, frame, new Size(9, 9), 3); // smooth like a camera's picture, not pure noise
        PreprocessingSpec spec = PreprocessingSpec.Unit(64, 64, 3) with { ResizeMode = mode, Mean = [0.4f, 0.5f, 0.6f], Std = [0.2f, 0.25f, 0.3f] };

        float[] fromBgr = AssertReadInReverseGivesTheConvertedNumbers(frame, spec);

        int centre = 32 * 64 + 32; // inside the picture in every mode (a letterbox pads the top with black)
        Assert.NotEqual(fromBgr[centre], fromBgr[2 * 64 * 64 + centre]); // red and blue differ, so an order mix-up would show
    }

    [Theory]
    [InlineData(64, 64)]   // a view already at the model's size: read in place, rows apart in memory
    [InlineData(300, 200)] // a view to be resized
    public void A_region_of_a_frame_for_an_rgb_model_gives_the_numbers_of_converting_it_first(int width, int height)
    {
        using var frame = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(frame, Scalar.All(0), Scalar.All(256));
        using var region = new Mat(frame, new Rect(100, 50, width, height));
        Assert.False(region.IsContinuous());

        AssertReadInReverseGivesTheConvertedNumbers(region, PreprocessingSpec.Unit(64, 64, 3));
    }

    // The BGR frame prepared for an RGB model equals the frame converted to RGB first and prepared as it is; returns the former.
    private static float[] AssertReadInReverseGivesTheConvertedNumbers(Mat bgr, PreprocessingSpec spec)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        using var forRgb = new ImagePreprocessor(spec with { ChannelOrder = ChannelOrder.Rgb });
        using var asIs = new ImagePreprocessor(spec with { ChannelOrder = ChannelOrder.Bgr });
        var fromBgr = new float[spec.TensorLength];
        var fromRgb = new float[spec.TensorLength];

        forRgb.Prepare(bgr, fromBgr);
        asIs.Prepare(rgb, fromRgb);

        Assert.Equal(fromRgb, fromBgr);
        return fromBgr;
    }

    [Fact]
    public void Grayscale_uses_the_bt601_weights_and_files_round_trip_exactly()
    {
        using var preprocessor = new ImagePreprocessor(PreprocessingSpec.Unit(2, 1, 1) with { Scale = 1f });
        using Mat image = TwoPixels();
        var tensor = new float[2];
        preprocessor.Prepare(image, tensor);
        // OpenCV BGR2GRAY: 0.299 R + 0.587 G + 0.114 B, rounded: red 255 -> 76; (10,20,30) -> 22.
        Assert.Equal([76f, 22f], tensor);

        // A grayscale PNG decodes to three equal planes and converts back to the very same values.
        using var folder = new TempFolder();
        using var gray = new Mat(1, 2, MatType.CV_8UC1);
        gray.Set(0, 0, (byte)7);
        gray.Set(0, 1, (byte)250);
        Cv2.ImWrite(folder["g.png"], gray);
        preprocessor.PrepareFile(folder["g.png"], tensor);
        Assert.Equal([7f, 250f], tensor);
    }

    [Fact]
    public void Stretch_with_area_interpolation_averages_pixel_blocks()
    {
        using var preprocessor = new ImagePreprocessor(PreprocessingSpec.Unit(2, 2, 1) with { Scale = 1f });
        using var image = new Mat(4, 4, MatType.CV_8UC1);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                image.Set(y, x, (byte)(y * 4 + x));
        var tensor = new float[4];
        preprocessor.Prepare(image, tensor);
        // Each output pixel is the mean of a 2x2 block: (0+1+4+5)/4 = 2.5, rounded by OpenCV to 3 (8-bit), and so on.
        Assert.Equal([3f, 5f, 11f, 13f], tensor);
    }

    [Fact]
    public void Letterbox_pads_with_black_and_center_crop_keeps_the_middle()
    {
        using var wide = new Mat(2, 4, MatType.CV_8UC1, Scalar.All(200));
        wide.Set(0, 0, (byte)0); // a dark corner that a centre crop removes
        var tensor = new float[4];

        using (var letterbox = new ImagePreprocessor(PreprocessingSpec.Unit(2, 2, 1) with { Scale = 1f, ResizeMode = ResizeMode.Letterbox, Interpolation = Interpolation.Nearest }))
        {
            letterbox.Prepare(wide, tensor);
            // 4x2 shrinks to 2x1 (nearest takes source columns 0 and 2), placed in the top row; the bottom row is black.
            Assert.Equal([0f, 200f, 0f, 0f], tensor);
        }
        using (var crop = new ImagePreprocessor(PreprocessingSpec.Unit(2, 2, 1) with { Scale = 1f, ResizeMode = ResizeMode.CenterCrop, Interpolation = Interpolation.Nearest }))
        {
            crop.Prepare(wide, tensor);
            Assert.Equal([200f, 200f, 200f, 200f], tensor);
        }
    }

    [Fact]
    public void A_corrupt_file_is_refused_with_its_path()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder["broken.png"], [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
        using var preprocessor = new ImagePreprocessor(PreprocessingSpec.Unit(2, 2, 1));
        var error = Assert.Throws<InvalidDataException>(() => preprocessor.PrepareFile(folder["broken.png"], new float[4]));
        Assert.Contains("broken.png", error.Message);
    }

    [Theory]
    [InlineData(0, 28, 1, "preprocessing.width")]
    [InlineData(28, 28, 2, "preprocessing.channels")]
    public void Invalid_specs_name_the_field(int width, int height, int channels, string field)
    {
        var spec = new PreprocessingSpec { Width = width, Height = height, Channels = channels, Mean = [0f], Std = [1f] };
        var error = Assert.Throws<InvalidDataException>(() => spec.Validate("model.json"));
        Assert.Contains("model.json", error.Message);
        Assert.Contains(field, error.Message);
    }
}
