using OpenCvSharp;

namespace EdgeCnn.Vision;

/// <summary>
/// The images of a folder (.png, .jpg, .jpeg, .bmp) in name order, as frames; for demos and tests. Each image is
/// decoded when read, which allocates: use a camera or video source where the loop must be allocation-free.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    private readonly string[] _files;
    private readonly bool _loop;
    private int _next;

    /// <summary>Lists the images of <paramref name="folder"/>; with <paramref name="loop"/> it starts again at the end.</summary>
    public ImageFolderSource(string folder, bool loop)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: image folder not found.");
        _files = Directory.GetFiles(folder).Where(ImagePreprocessor.IsImageFile)
            .Order(StringComparer.Ordinal).ToArray();
        if (_files.Length == 0) throw new InvalidDataException($"{folder}: no .png, .jpg, .jpeg or .bmp images.");
        _loop = loop;
        Description = $"image folder {folder} ({_files.Length} images{(loop ? ", looped" : "")})";
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public string? LastProblem { get; private set; }

    /// <summary>How many files were skipped because they could not be decoded.</summary>
    public int Skipped { get; private set; }

    /// <inheritdoc />
    public bool TryRead(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        for (int attempts = 0; attempts < _files.Length; attempts++)
        {
            if (_next == _files.Length)
            {
                if (!_loop) break;
                _next = 0;
            }
            string path = _files[_next++];
            using Mat image = Cv2.ImRead(path, ImreadModes.Color);
            if (image.Empty())
            {
                Skipped++;
                continue;
            }
            image.CopyTo(frame);
            LastProblem = null;
            return true;
        }
        LastProblem = $"{Description}: no more images{(Skipped > 0 ? $" ({Skipped} unreadable skipped)" : "")}.";
        return false;
    }

    /// <summary>Nothing to release; present for <see cref="IFrameSource"/>.</summary>
    public void Dispose()
    {
    }
}
