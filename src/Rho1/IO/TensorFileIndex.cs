// Random access into a Rho1 tensor file (TensorFile) without loading it: each tensor's name, dtype, shape and where its
// bytes start, read from the headers alone (seeking past the data), and any tensor or range of its values read on
// demand. For readers that must not hold a whole file at once, such as exporting a large checkpoint one tensor at a time
// with its master weights taken from the optimizer parts range by range. The checksum is the caller's to verify first
// (TensorFile.Verify): this reads only what it is asked for.
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.IO;

/// <param name="Offset">Position of the tensor's first byte in the file.</param>
public sealed record TensorEntry(string Name, ScalarType Dtype, long[] Shape, long Offset)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

public sealed class TensorFileIndex : IDisposable
{
    readonly FileStream _stream;

    public string Path { get; }
    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<TensorEntry> Entries { get; }
    readonly Dictionary<string, TensorEntry> _byName;

    TensorFileIndex(string path, FileStream stream, List<TensorEntry> entries)
    {
        (Path, _stream, Entries) = (path, stream, entries);
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Reads the headers of <paramref name="path"/>; a file that is not a tensor file, or whose sizes disagree, is an InvalidDataException naming it.</summary>
    public static TensorFileIndex Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (!reader.ReadBytes(8).AsSpan().SequenceEqual(TensorFile.Magic))
                throw new InvalidDataException($"{path}: not a Rho1 tensor file");
            uint version = reader.ReadUInt32();
            if (version != TensorFile.Version)
                throw new InvalidDataException($"{path}: tensor file version {version}, this build reads {TensorFile.Version}");
            uint count = reader.ReadUInt32();
            var entries = new List<TensorEntry>((int)Math.Min(count, 1 << 16));
            for (uint i = 0; i < count; i++)
            {
                string name = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadUInt16()));
                var dtype = TensorFile.Type(reader.ReadByte(), path);
                var shape = new long[reader.ReadByte()];
                for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
                long nbytes = reader.ReadInt64();
                var entry = new TensorEntry(name, dtype, shape, stream.Position);
                if (nbytes != entry.Count * ElementSize(dtype) || stream.Position + nbytes > stream.Length - 32)
                    throw new InvalidDataException($"{path}: tensor '{name}' holds {nbytes} bytes, its shape needs {entry.Count * ElementSize(dtype)}");
                entries.Add(entry);
                stream.Seek(nbytes, SeekOrigin.Current);
            }
            return new TensorFileIndex(path, stream, entries);
        }
        catch (EndOfStreamException e)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: truncated", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorEntry this[string name] => _byName.TryGetValue(name, out var e) ? e : throw new InvalidDataException($"{Path}: no tensor '{name}'");

    /// <summary>The whole tensor, on the CPU.</summary>
    public Tensor Read(TensorEntry entry)
    {
        var t = torch.empty(entry.Shape, entry.Dtype);
        _stream.Seek(entry.Offset, SeekOrigin.Begin);
        _stream.ReadExactly(t.bytes);
        return t;
    }

    /// <summary>Values [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of the tensor in its row-major order, as a 1-D CPU tensor.</summary>
    public Tensor ReadRange(TensorEntry entry, long start, long count)
    {
        if (start < 0 || count < 0 || start + count > entry.Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"values {start}..{start + count} of '{entry.Name}', which holds {entry.Count}");
        var t = torch.empty(count, entry.Dtype);
        _stream.Seek(entry.Offset + start * ElementSize(entry.Dtype), SeekOrigin.Begin);
        _stream.ReadExactly(t.bytes);
        return t;
    }

    static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => 2,
        ScalarType.Float32 => 4,
        _ => 8, // Int64, Float64: the other dtypes a tensor file stores
    };

    public void Dispose() => _stream.Dispose();
}
