// The fixed 64-byte header at the start of every shard file: magic, version, token width, counts, checksum.
// It does not validate against meta.json; TokenDataset does that, because only it knows what was expected.
using System.Buffers.Binary;
using Rho1.Data.Reading;

namespace Rho1.Data.Format;

internal readonly record struct ShardHeader(int Version, int TokenBytes, long Tokens, long Documents, byte[] Sha256)
{
    public void WriteTo(Span<byte> header)
    {
        header[..DatasetLayout.HeaderBytes].Clear();
        DatasetLayout.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)TokenBytes);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], Tokens);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], Documents);
        Sha256.CopyTo(header[32..64]);
    }

    /// <summary>Parses a header; null when the magic is wrong (not a shard at all).</summary>
    public static ShardHeader? Parse(ReadOnlySpan<byte> header)
    {
        if (header.Length < DatasetLayout.HeaderBytes || !header[..8].SequenceEqual(DatasetLayout.Magic))
            return null;
        return new ShardHeader(
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[24..]),
            header[32..64].ToArray());
    }
}
