using System.Globalization;

namespace EdgeCnn.Device.Scoring;

/// <summary>
/// Which class each frame of a clip really shows, from a truth file (<c>first_frame,last_frame,label</c> per line,
/// frames counted from 0, as <c>edgecnn-train clip</c> writes it), so a run on the clip can be scored frame by frame
/// and event by event. Each line is a stretch; a stretch labelled <see cref="EmptyLabel"/> (or the model's background
/// class) shows the empty scene.
/// </summary>
public sealed class ClipTruth
{
    /// <summary>The truth files' name for a stretch that shows nothing of interest.</summary>
    public const string EmptyLabel = "background";

    private readonly int[] _stretchOfFrame;
    private readonly Stretch[] _stretches;

    /// <summary>One line of the truth file.</summary>
    /// <param name="First">Its first frame, from 0.</param>
    /// <param name="Last">Its last frame.</param>
    /// <param name="Class">A label index, or <see cref="Empty"/>'s value for the empty scene.</param>
    public readonly record struct Stretch(int First, int Last, int Class);

    private ClipTruth(int[] stretchOfFrame, Stretch[] stretches, int empty)
    {
        _stretchOfFrame = stretchOfFrame;
        _stretches = stretches;
        Empty = empty;
    }

    /// <summary>The clip's length in frames.</summary>
    public int Frames => _stretchOfFrame.Length;

    /// <summary>The class index that stands for the empty scene: the model's background class, or one past its labels.</summary>
    public int Empty { get; }

    /// <summary>The stretches, in the file's order.</summary>
    public IReadOnlyList<Stretch> Stretches => _stretches;

    /// <summary>
    /// Reads <paramref name="path"/>; labels must be the model's, or <see cref="EmptyLabel"/>. Errors name the file and line.
    /// </summary>
    /// <param name="path">The truth file.</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="backgroundLabel">The model's background class, if it has one: empty stretches are that class.</param>
    public static ClipTruth Load(string path, IReadOnlyList<string> labels, string? backgroundLabel = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: truth file not found (Source:TruthFile).", path);
        List<string> names = [.. labels];
        int empty = backgroundLabel is null ? labels.Count : names.IndexOf(backgroundLabel);
        var stretches = new List<Stretch>();
        string[] lines = File.ReadAllLines(path);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || (n == 0 && line.StartsWith("first_frame", StringComparison.Ordinal))) continue;
            string[] fields = line.Split(',', 3);
            if (fields.Length != 3 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int last) || last < first)
                throw new InvalidDataException($"{path}:{n + 1}: expected first_frame,last_frame,label with first_frame <= last_frame, got '{line}'.");
            int index = fields[2] == EmptyLabel && !names.Contains(EmptyLabel) ? empty : names.IndexOf(fields[2]);
            if (index < 0) throw new InvalidDataException($"{path}:{n + 1}: '{fields[2]}' is not a label of the model ({string.Join(", ", labels)}) nor '{EmptyLabel}' (the empty scene).");
            stretches.Add(new Stretch(first, last, index));
        }
        if (stretches.Count == 0) throw new InvalidDataException($"{path}: no frame ranges.");
        var stretchOfFrame = new int[stretches.Max(r => r.Last) + 1];
        Array.Fill(stretchOfFrame, -1);
        for (int s = 0; s < stretches.Count; s++) stretchOfFrame.AsSpan(stretches[s].First, stretches[s].Last - stretches[s].First + 1).Fill(s);
        return new ClipTruth(stretchOfFrame, [.. stretches], empty);
    }

    /// <summary>The stretch frame <paramref name="frameIndex"/> (from 0; a looped clip repeats) belongs to, or -1 when the file says nothing.</summary>
    public int StretchAt(long frameIndex) => frameIndex < 0 ? -1 : _stretchOfFrame[frameIndex % _stretchOfFrame.Length];

    /// <summary>The class frame <paramref name="frameIndex"/> shows (<see cref="Empty"/> for the empty scene), or -1 when the file says nothing.</summary>
    public int ClassAt(long frameIndex)
    {
        int stretch = StretchAt(frameIndex);
        return stretch < 0 ? -1 : _stretches[stretch].Class;
    }
}
