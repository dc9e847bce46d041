// Writes one shard file incrementally: a zeroed header, the little-endian payload hashed as it streams out,
// then the real header once counts and checksum are known. Memory use is one buffer, whatever the shard size.
using System.Buffers.Binary;
using System.Security.Cryptography;
using Rho1.Data.Format;

namespace Rho1.Data.Prepare;

internal sealed class ShardWriter : IDisposable
{
    readonly FileStream _file;
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly int _tokenBytes;
    readonly byte[] _buffer = new byte[1 << 16];
    int _buffered;

    public ShardWriter(string path, int tokenBytes)
    {
        Path = path;
        _tokenBytes = tokenBytes;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 20);
        _file.Write(new byte[DatasetLayout.HeaderBytes]);
    }

    public string Path { get; }
    public long Tokens { get; private set; }
    public long Documents { get; private set; }

    public void Append(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            if (_buffered + _tokenBytes > _buffer.Length)
                FlushBuffer();
            if (_tokenBytes == 2)
                BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_buffered), checked((ushort)id));
            else
                BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_buffered), checked((uint)id));
            _buffered += _tokenBytes;
        }
        Tokens += ids.Length;
    }

    /// <summary>Counts a document as ending in this shard (its EOS was appended here).</summary>
    public void EndDocument() => Documents++;

    /// <summary>Writes the header, flushes to disk and returns the shard's meta.json entry.</summary>
    public ShardMeta Complete()
    {
        FlushBuffer();
        byte[] sha = _hash.GetHashAndReset();
        Span<byte> header = stackalloc byte[DatasetLayout.HeaderBytes];
        new ShardHeader(DatasetLayout.FormatVersion, _tokenBytes, Tokens, Documents, sha).WriteTo(header);
        _file.Position = 0;
        _file.Write(header);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        return new ShardMeta(System.IO.Path.GetFileName(Path), Tokens, Documents, Convert.ToHexStringLower(sha));
    }

    void FlushBuffer()
    {
        _hash.AppendData(_buffer, 0, _buffered);
        _file.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }
}
