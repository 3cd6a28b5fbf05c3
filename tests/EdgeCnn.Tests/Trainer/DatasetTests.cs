using EdgeCnn.Trainer.Architecture;
using EdgeCnn.Trainer.Data;
using EdgeCnn.Vision;

namespace EdgeCnn.Tests.Trainer;

public class DatasetTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_files_raw_or_gzip_load_with_a_stratified_validation_split(bool gzip)
    {
        using var folder = new TempFolder();
        IdxWriter.WriteDataset(folder.Path, count: 40, classes: 4, gzip);
        Assert.Equal(new InputShape(1, 3, 4), DatasetLoader.NativeInput(folder.Path));

        LoadedData data = DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(4, 3, 1) with { Scale = 1f }, validationFraction: 0.2, seed: 1);

        Assert.Equal(["0", "1", "2", "3"], data.Train.Classes);
        Assert.Equal(32, data.Train.Count);
        Assert.Equal(8, data.Validation.Count);
        Assert.Equal(40, data.Test!.Count);
        // Stratified: every class is in the validation set, and each image's pixels still match its label.
        Assert.Equal([0L, 1, 2, 3], data.Validation.Labels.Distinct().Order());
        for (int i = 0; i < data.Train.Count; i++)
            Assert.All(data.Train.Image(i).ToArray(), v => Assert.Equal(data.Train.Labels[i] * 10f, v));
    }

    [Fact]
    public void A_truncated_idx_file_is_refused_with_its_name()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteDataset(folder.Path, count: 10, classes: 2, gzip: false);
        string images = Path.Combine(folder.Path, "train-images-idx3-ubyte");
        byte[] bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..^5]);
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(4, 3, 1), 0.2, 1));
        Assert.Contains("train-images-idx3-ubyte", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void An_idx_header_whose_dimensions_overflow_is_refused_with_its_name_not_an_index_error()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteDataset(folder.Path, count: 10, classes: 2, gzip: false);
        // 10 images of 859019674 x 2147418113 pixels: 2^64 + 4 bytes, which is 4 in 64-bit arithmetic, and the file
        // holds 4 bytes of data. The labels file's 10 labels match the count.
        string images = Path.Combine(folder.Path, "train-images-idx3-ubyte");
        IdxWriter.Write(images, [1, 2, 3, 4], 10, 859019674, 2147418113);
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(4, 3, 1), 0.2, 1));
        Assert.Contains("train-images-idx3-ubyte: the IDX header's dimensions (10 x 859019674 x 2147418113) describe more than", error.Message);
        error = Assert.Throws<InvalidDataException>(() => DatasetLoader.NativeInput(folder.Path));
        Assert.Contains("train-images-idx3-ubyte", error.Message);
    }

    [Fact]
    public void An_image_folder_skips_corrupt_images_and_reports_them()
    {
        using var folder = new TempFolder();
        ShapesDataset.Write(folder.Path, perClass: 10, size: 16);
        File.WriteAllText(Path.Combine(folder.Path, "circle", "zz-corrupt.png"), "not a png");
        File.WriteAllText(Path.Combine(folder.Path, "square", "notes.txt"), "ignored: not an image extension");

        LoadedData data = DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(12, 12, 1), validationFraction: 0.2, seed: 3);

        Assert.Equal(ShapesDataset.Classes, data.Train.Classes);
        Assert.Equal(30, data.Train.Count + data.Validation.Count);
        Assert.Equal(1, data.SkippedImages);
        Assert.Contains(data.SkippedExamples, line => line.Contains("zz-corrupt.png"));
        Assert.Null(data.Test);
    }

    [Fact]
    public void An_empty_class_folder_is_an_error_that_names_it()
    {
        using var folder = new TempFolder();
        ShapesDataset.Write(folder.Path, perClass: 3, size: 16);
        Directory.CreateDirectory(Path.Combine(folder.Path, "hexagon"));
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(12, 12, 1), 0.2, 1));
        Assert.Contains("hexagon", error.Message);
        Assert.Contains("no .png", error.Message);
    }

    [Fact]
    public void A_dataset_with_one_class_is_an_error()
    {
        using var folder = new TempFolder();
        ShapesDataset.Write(folder.Path, perClass: 3, size: 16);
        Directory.Delete(Path.Combine(folder.Path, "square"), true);
        Directory.Delete(Path.Combine(folder.Path, "triangle"), true);
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(12, 12, 1), 0.2, 1));
        Assert.Contains("only one class", error.Message);
    }

    [Fact]
    public void A_train_and_val_layout_uses_its_own_validation_images()
    {
        using var folder = new TempFolder();
        ShapesDataset.Write(folder["train"], perClass: 6, size: 16, seed: 1);
        ShapesDataset.Write(folder["val"], perClass: 2, size: 16, seed: 2);
        LoadedData data = DatasetLoader.Load(folder.Path, PreprocessingSpec.Unit(16, 16, 3), validationFraction: 0.5, seed: 1);
        Assert.Equal(18, data.Train.Count);
        Assert.Equal(6, data.Validation.Count);
        Assert.Equal(3, data.Train.Preprocessing.Channels);
    }
}
