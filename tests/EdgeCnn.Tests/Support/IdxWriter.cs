using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeCnn.Tests.Support;

/// <summary>Writes IDX files (the MNIST format) for tests.</summary>
internal static class IdxWriter
{
    public static void Write(string path, byte[] data, params int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        header[2] = 0x08;
        header[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dimensions[d]);
        using Stream file = File.Create(path);
        using Stream target = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(header);
        target.Write(data);
    }

    /// <summary>A train (and optional t10k) IDX pair of 4x3 images whose pixels all equal their label times 10.</summary>
    public static void WriteDataset(string folder, int count, int classes, bool gzip, bool withTest = true)
    {
        string suffix = gzip ? ".gz" : "";
        foreach (string prefix in withTest ? new[] { "train", "t10k" } : ["train"])
        {
            byte[] labels = Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray();
            byte[] pixels = labels.SelectMany(label => Enumerable.Repeat((byte)(label * 10), 12)).ToArray();
            Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte{suffix}"), pixels, count, 3, 4);
            Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{suffix}"), labels, count);
        }
    }
}
