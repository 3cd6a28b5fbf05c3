using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeCnn.Trainer.Data;

/// <summary>Reads IDX files (the MNIST format), raw or gzip-compressed.</summary>
internal static class IdxFile
{
    private const int UnsignedByteType = 0x08;

    /// <summary>An IDX file's dimensions and its unsigned-byte payload.</summary>
    public sealed record Content(int[] Dimensions, byte[] Data);

    public static Content Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: IDX file not found.", path);
        byte[] bytes;
        try
        {
            bytes = ReadAllBytesMaybeGzip(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: the gzip data is corrupt ({e.Message}).", e);
        }
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (it must start with two zero bytes, a type byte and a dimension count).");
        if (bytes[2] != UnsignedByteType)
            throw new InvalidDataException($"{path}: IDX element type 0x{bytes[2]:x2} is not supported; only unsigned bytes (0x08), as in MNIST, are.");
        int rank = bytes[3];
        if (rank is < 1 or > 4 || bytes.Length < 4 + 4 * rank)
            throw new InvalidDataException($"{path}: the IDX header is truncated or has {rank} dimensions.");
        var dimensions = new int[rank];
        for (int d = 0; d < rank; d++) dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
        long count = DataLength(path, dimensions);
        int offset = 4 + 4 * rank;
        if (bytes.Length - offset != count)
            throw new InvalidDataException($"{path}: the header promises {count} bytes of data but the file holds {bytes.Length - offset}; it is truncated or corrupt.");
        return new Content(dimensions, bytes[offset..]);
    }

    /// <summary>Only the dimensions, read from the header without decompressing the data.</summary>
    public static int[] ReadDimensions(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: IDX file not found.", path);
        using FileStream file = File.OpenRead(path);
        bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4 + 4 * 4];
        int read = stream.ReadAtLeast(header[..4], 4, throwOnEndOfStream: false);
        int rank = header[3];
        if (read < 4 || header[0] != 0 || header[1] != 0 || rank is < 1 or > 4)
            throw new InvalidDataException($"{path}: not an IDX file (it must start with two zero bytes, a type byte and a dimension count).");
        if (stream.ReadAtLeast(header.Slice(4, 4 * rank), 4 * rank, throwOnEndOfStream: false) < 4 * rank)
            throw new InvalidDataException($"{path}: the IDX header is truncated.");
        var dimensions = new int[rank];
        for (int d = 0; d < rank; d++) dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * d)..]);
        DataLength(path, dimensions);
        return dimensions;
    }

    /// <summary>
    /// The number of data bytes the header's dimensions promise. Each must be positive, and their product at most
    /// what one array can hold: unchecked, a header such as 2^30 x 2^30 x 16 multiplies out to 0 and would pass the
    /// size check of an empty file.
    /// </summary>
    private static long DataLength(string path, int[] dimensions)
    {
        long count = 1;
        for (int d = 0; d < dimensions.Length; d++)
        {
            if (dimensions[d] <= 0) throw new InvalidDataException($"{path}: dimension {d} is {dimensions[d]}.");
            count = checked(count * dimensions[d]) is var product && product <= Array.MaxLength ? product
                : throw new InvalidDataException($"{path}: the IDX header's dimensions ({string.Join(" x ", dimensions)}) describe more than {Array.MaxLength:N0} bytes, more than a dataset file can hold; the header is corrupt.");
        }
        return count;
    }

    private static byte[] ReadAllBytesMaybeGzip(string path)
    {
        using FileStream file = File.OpenRead(path);
        bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        if (!gzip) return File.ReadAllBytes(path);
        using var inflate = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        inflate.CopyTo(buffer);
        return buffer.ToArray();
    }
}
