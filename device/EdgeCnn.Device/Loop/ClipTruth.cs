using System.Globalization;

namespace EdgeCnn.Device.Loop;

/// <summary>
/// Which class each frame of a clip really shows, from a truth file (<c>first_frame,last_frame,label</c> per line,
/// frames counted from 0, as <c>edgecnn-train clip</c> writes it), so a run on the clip can be scored.
/// </summary>
public sealed class ClipTruth
{
    private readonly int[] _classOfFrame;

    private ClipTruth(int[] classOfFrame) => _classOfFrame = classOfFrame;

    /// <summary>The clip's length in frames.</summary>
    public int Frames => _classOfFrame.Length;

    /// <summary>Reads <paramref name="path"/>; labels must be the model's. Errors name the file and line.</summary>
    public static ClipTruth Load(string path, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: truth file not found (Source:TruthFile).", path);
        var ranges = new List<(int First, int Last, int Class)>();
        string[] lines = File.ReadAllLines(path);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || (n == 0 && line.StartsWith("first_frame", StringComparison.Ordinal))) continue;
            string[] fields = line.Split(',', 3);
            if (fields.Length != 3 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int last) || last < first)
                throw new InvalidDataException($"{path}:{n + 1}: expected first_frame,last_frame,label with first_frame <= last_frame, got '{line}'.");
            int index = labels.ToList().IndexOf(fields[2]);
            if (index < 0) throw new InvalidDataException($"{path}:{n + 1}: '{fields[2]}' is not a label of the model ({string.Join(", ", labels)}).");
            ranges.Add((first, last, index));
        }
        if (ranges.Count == 0) throw new InvalidDataException($"{path}: no frame ranges.");
        var classOfFrame = new int[ranges.Max(r => r.Last) + 1];
        Array.Fill(classOfFrame, -1);
        foreach ((int first, int last, int c) in ranges) classOfFrame.AsSpan(first, last - first + 1).Fill(c);
        return new ClipTruth(classOfFrame);
    }

    /// <summary>The class frame <paramref name="frameIndex"/> (from 0; a looped clip repeats) shows, or -1 when the file says nothing.</summary>
    public int ClassAt(long frameIndex) => frameIndex < 0 ? -1 : _classOfFrame[frameIndex % _classOfFrame.Length];
}
