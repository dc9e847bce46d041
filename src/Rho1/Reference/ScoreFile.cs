// scores.bin: a 64-byte header (magic "RHO1SCOR", uint32 version, uint32 value bytes = 4, int64 count,
// int32 seq_len, int32 reserved, SHA-256 of the payload) then count little-endian float32 values. Value i is
// the reference loss of token i of the split as a target in its training window; NaN where token i is
// never a target (the first token, and the tail after the last whole window). See docs/score-format.md.
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Rho1.Reference;

public static class ScoreFile
{
    public const string FileName = "scores.bin", MetaName = "meta.json", DoneName = "DONE";
    public const int HeaderBytes = 64;
    const uint Version = 1;
    static readonly byte[] Magic = "RHO1SCOR"u8.ToArray();

    /// <summary>Creates a file of <paramref name="count"/> NaN values with an unfilled header (sha all zero).</summary>
    public static void Create(string path, long count)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(new byte[HeaderBytes]);
        var nan = new byte[1 << 16];
        for (int i = 0; i < nan.Length; i += 4) BinaryPrimitives.WriteSingleLittleEndian(nan.AsSpan(i), float.NaN);
        long left = count * 4;
        while (left > 0)
        {
            int n = (int)Math.Min(nan.Length, left);
            stream.Write(nan, 0, n);
            left -= n;
        }
    }

    /// <summary>Computes the payload checksum and writes the header; returns the checksum (hex).</summary>
    public static string Seal(string path, long count, int seqLen)
    {
        string sha;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            if (stream.Length != HeaderBytes + count * 4)
                throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {HeaderBytes + count * 4}");
            stream.Position = HeaderBytes;
            byte[] hash = SHA256.HashData(stream);
            sha = Convert.ToHexStringLower(hash);
            var header = new byte[HeaderBytes];
            Magic.CopyTo(header, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 4);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), count);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), seqLen);
            hash.CopyTo(header, 32);
            stream.Position = 0;
            stream.Write(header);
            stream.Flush(flushToDisk: true);
        }
        return sha;
    }

    /// <summary>Checks magic, version, size and the payload checksum; throws InvalidDataException naming the file.</summary>
    public static (long Count, int SeqLen) Verify(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var header = new byte[HeaderBytes];
        if (stream.Read(header) != HeaderBytes || !header.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a Rho1 score file");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        if (version != Version)
            throw new InvalidDataException($"{path}: score file version {version}, this build reads {Version}");
        long count = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        int seqLen = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(24));
        if (stream.Length != HeaderBytes + count * 4)
            throw new InvalidDataException($"{path}: truncated ({stream.Length} bytes, header says {HeaderBytes + count * 4})");
        if (!SHA256.HashData(stream).AsSpan().SequenceEqual(header.AsSpan(32, 32)))
            throw new InvalidDataException($"{path}: checksum mismatch (file is corrupt)");
        return (count, seqLen);
    }
}
