namespace EdgeCnn.Trainer.Training;

/// <summary>
/// Writes the files one epoch leaves in a run folder (last.pt, its optimizer and random state, best.pt when the epoch
/// improved, run.json) so that they change together or not at all. Each is first written beside its final name as
/// NAME.next; run.json.next, written last, is the commit point; then each NAME.next is renamed over NAME, run.json
/// last. A process killed before the commit point leaves the previous epoch's files whole (the .next files are
/// removed by <see cref="Recover"/>); one killed after it leaves a commit that <see cref="Recover"/> completes. Either
/// way last.pt and run.json agree, and <c>--resume</c> continues bit-identically.
/// </summary>
internal sealed class EpochCommit(string runFolder)
{
    private const string Pending = ".next";

    /// <summary>Called after each file is written, before the commit; tests put a simulated crash here.</summary>
    internal static Action<string>? Written { get; set; }

    /// <summary>Writes the file that will become <paramref name="path"/> with <paramref name="write"/>, which gets the path to write.</summary>
    public void Write(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        write(path + Pending);
        Written?.Invoke(path);
    }

    /// <summary>Writes <paramref name="record"/> (the commit point), then puts every written file in its place.</summary>
    public void Commit(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.SaveAs(RunFolder.RecordPath(runFolder) + Pending);
        Written?.Invoke(RunFolder.RecordPath(runFolder));
        RollForward(runFolder);
    }

    /// <summary>
    /// Completes a commit that a crash interrupted, or removes the files of an epoch that never committed. Run before
    /// anything reads the run folder's checkpoints to continue from them.
    /// </summary>
    public static void Recover(string runFolder)
    {
        if (File.Exists(RunFolder.RecordPath(runFolder) + Pending)) RollForward(runFolder);
        else foreach (string file in Directory.GetFiles(runFolder, "*" + Pending)) File.Delete(file);
    }

    private static void RollForward(string runFolder)
    {
        string record = RunFolder.RecordPath(runFolder) + Pending;
        foreach (string file in Directory.GetFiles(runFolder, "*" + Pending).Where(f => f != record))
            File.Move(file, file[..^Pending.Length], overwrite: true);
        File.Move(record, record[..^Pending.Length], overwrite: true);
    }
}
