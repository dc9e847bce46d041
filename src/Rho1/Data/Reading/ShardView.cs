// One memory-mapped shard file, opened read-only after its header has been checked against meta.json.
// Reads widen uint16/uint32 ids to int64 because that is what torch's embedding lookup takes.
using System.IO.MemoryMappedFiles;
using Rho1.Data.Format;

namespace Rho1.Data.Reading;

internal sealed class ShardView : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly int _tokenBytes;

    ShardView(string path, ShardMeta meta, int tokenBytes, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        Meta = meta;
        _tokenBytes = tokenBytes;
        _map = map;
        _view = view;
    }

    public string Path { get; }
    public ShardMeta Meta { get; }

    /// <summary>Opens <paramref name="path"/> and checks magic, version, token width, counts and file size.</summary>
    public static ShardView Open(string path, ShardMeta meta, int tokenBytes)
    {
        if (!File.Exists(path))
            throw new UserErrorException($"shard {path} listed in meta.json is missing; re-run 'rho1 prepare'");
        Span<byte> bytes = stackalloc byte[DatasetLayout.HeaderBytes];
        long length;
        using (var file = File.OpenRead(path))
        {
            length = file.Length;
            file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        }
        string Fail(string what) => $"shard {path} {what}; the dataset is damaged, re-run 'rho1 prepare'";
        if (length < DatasetLayout.HeaderBytes || ShardHeader.Parse(bytes) is not { } header)
            throw new UserErrorException(Fail("does not start with a RHO1TOK header"));
        if (header.Version != DatasetLayout.FormatVersion)
            throw new UserErrorException(Fail($"has format version {header.Version}, expected {DatasetLayout.FormatVersion}"));
        if (header.TokenBytes != tokenBytes || header.Tokens != meta.Tokens || header.Documents != meta.Documents)
            throw new UserErrorException(Fail($"header says {header.Tokens} tokens of {header.TokenBytes} bytes and {header.Documents} documents, " +
                $"meta.json says {meta.Tokens} tokens of {tokenBytes} bytes and {meta.Documents} documents"));
        if (!Convert.ToHexStringLower(header.Sha256).Equals(meta.Sha256, StringComparison.Ordinal))
            throw new UserErrorException(Fail("has a different checksum in its header than in meta.json"));
        long expected = DatasetLayout.HeaderBytes + meta.Tokens * tokenBytes;
        if (length != expected)
            throw new UserErrorException(Fail($"is {length} bytes, expected {expected} (truncated or appended to)"));
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        return new ShardView(path, meta, tokenBytes, map, map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read));
    }

    /// <summary>Copies ids [<paramref name="start"/>, start + destination.Length) of this shard into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<long> destination)
    {
        var buffer = _view.SafeMemoryMappedViewHandle;
        ulong offset = (ulong)(_view.PointerOffset + DatasetLayout.HeaderBytes + start * _tokenBytes);
        const int Chunk = 2048;
        if (_tokenBytes == 2)
        {
            Span<ushort> narrow = stackalloc ushort[Chunk];
            for (int done = 0; done < destination.Length; done += Chunk)
            {
                var part = narrow[..Math.Min(Chunk, destination.Length - done)];
                buffer.ReadSpan(offset + (ulong)done * 2, part);
                for (int i = 0; i < part.Length; i++)
                    destination[done + i] = part[i];
            }
        }
        else
        {
            Span<uint> wide = stackalloc uint[Chunk];
            for (int done = 0; done < destination.Length; done += Chunk)
            {
                var part = wide[..Math.Min(Chunk, destination.Length - done)];
                buffer.ReadSpan(offset + (ulong)done * 4, part);
                for (int i = 0; i < part.Length; i++)
                    destination[done + i] = part[i];
            }
        }
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
