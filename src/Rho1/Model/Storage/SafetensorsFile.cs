// Reading a .safetensors file one tensor at a time: an 8-byte little-endian header length, a JSON header of
// name → dtype, shape and byte range, then the raw little-endian data. Streaming, so that loading a model never
// holds a second copy of all its weights; every inconsistency (truncation, ranges, shapes) names the file.
using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public sealed class SafetensorsFile : IDisposable
{
    /// <summary>One tensor's place in the file: dtype code (F32, BF16, F16), shape, and byte range within the data.</summary>
    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    readonly FileStream _stream;
    readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, Entry> Entries { get; }

    SafetensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, Entry> entries)
    {
        (Path, _stream, _dataStart, Entries) = (path, stream, dataStart, entries);
    }

    /// <summary>Opens and checks the header; a missing, truncated or malformed file is a UserErrorException naming it.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"{path}: missing (a weights file the model needs)");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            var lengthBytes = new byte[8];
            if (stream.Read(lengthBytes) != 8) throw Bad(path, "shorter than its 8-byte header length");
            long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
            if (headerLength <= 0 || 8 + headerLength > stream.Length) throw Bad(path, $"truncated (header of {headerLength} bytes, file of {stream.Length})");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + headerLength, dataLength = stream.Length - dataStart;
            var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
            JsonDocument json;
            try { json = JsonDocument.Parse(header); }
            catch (JsonException e) { throw Bad(path, $"header is not JSON ({e.Message})"); }
            using (json)
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    if (property.Name == "__metadata__") continue;
                    var v = property.Value;
                    var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                    var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                    string dtype = v.GetProperty("dtype").GetString() ?? "";
                    var entry = new Entry(property.Name, dtype, shape, offsets[0], offsets[1]);
                    if (entry.End > dataLength)
                        throw Bad(path, $"truncated: tensor '{entry.Name}' ends at byte {entry.End} of the data, which has {dataLength}");
                    if (entry.End - entry.Begin != shape.Aggregate(1L, (a, b) => a * b) * BytesOf(dtype, path, entry.Name))
                        throw Bad(path, $"tensor '{entry.Name}' holds {entry.End - entry.Begin} bytes, its {dtype} shape [{string.Join(",", shape)}] needs another size");
                    entries[entry.Name] = entry;
                }
            return new SafetensorsFile(path, stream, dataStart, entries);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    static UserErrorException Bad(string path, string what) => new($"{path}: {what}");

    static long BytesOf(string dtype, string path, string name) => dtype switch
    {
        "F32" => 4,
        "BF16" or "F16" => 2,
        _ => throw Bad(path, $"tensor '{name}' has dtype {dtype}; Rho1 reads F32, BF16 and F16 weights"),
    };

    static ScalarType TypeOf(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        _ => ScalarType.Float16,
    };

    /// <summary>The tensor <paramref name="name"/>, in its stored dtype, on the CPU.</summary>
    public Tensor Read(string name)
    {
        var e = Entries[name];
        var tensor = empty(e.Shape, TypeOf(e.DType));
        _stream.Position = _dataStart + e.Begin;
        _stream.ReadExactly(tensor.bytes);
        return tensor;
    }

    /// <summary>Elements read or written per piece: big tensors (a 7B vocabulary's embedding) never need a second whole copy.</summary>
    internal const long ChunkElements = 1L << 24;

    /// <summary>
    /// Copies the tensor <paramref name="name"/> into <paramref name="destination"/> (same element count, any float dtype),
    /// converting piece by piece, so memory beyond the destination is one piece whatever the tensor's size.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        var e = Entries[name];
        var type = TypeOf(e.DType);
        long count = e.Shape.Aggregate(1L, (a, b) => a * b);
        if (count != destination.numel())
            throw Bad(Path, $"tensor '{name}' has {count} elements, the model's has {destination.numel()}");
        using var flat = destination.view(-1);
        _stream.Position = _dataStart + e.Begin;
        for (long at = 0; at < count; at += ChunkElements)
        {
            long n = Math.Min(ChunkElements, count - at);
            using var piece = empty(n, type);
            _stream.ReadExactly(piece.bytes);
            using var target = flat.narrow(0, at, n);
            target.copy_(piece);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (name → CPU tensor of fp32, bf16 or fp16) as one safetensors file at
    /// <paramref name="path"/>, streaming each tensor in pieces; the header carries {"format": "pt"} as transformers expects.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors) =>
        Write(path, [.. tensors.Select(t => (t.Name, t.Tensor.dtype, t.Tensor.shape))], tensors.Select(t => t.Tensor), dispose: false);

    /// <summary>
    /// Writes tensors laid out as <paramref name="layout"/> (name, dtype, shape, in file order) whose values
    /// <paramref name="data"/> yields one at a time in the same order, each disposed after writing when
    /// <paramref name="dispose"/>: a file larger than memory is written holding one tensor.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, ScalarType Dtype, long[] Shape)> layout, IEnumerable<Tensor> data, bool dispose)
    {
        var header = new System.Text.Json.Nodes.JsonObject { ["__metadata__"] = new System.Text.Json.Nodes.JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, type, shape) in layout)
        {
            string dtype = type switch
            {
                ScalarType.Float32 => "F32", ScalarType.BFloat16 => "BF16", ScalarType.Float16 => "F16",
                _ => throw new ArgumentException($"tensor '{name}' has dtype {type}; safetensors export writes F32, BF16 and F16"),
            };
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * (type == ScalarType.Float32 ? 4 : 2);
            header[name] = new System.Text.Json.Nodes.JsonObject
            {
                ["dtype"] = dtype, ["shape"] = new System.Text.Json.Nodes.JsonArray([.. shape.Select(d => (System.Text.Json.Nodes.JsonNode)d)]),
                ["data_offsets"] = new System.Text.Json.Nodes.JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (headerBytes.Length + 7) / 8 * 8; // the data starts 8-byte aligned, the header padded with spaces
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var length = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, padded);
        stream.Write(length);
        stream.Write(headerBytes);
        for (int i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
        int written = 0;
        foreach (var t in data)
        {
            try
            {
                var (name, type, shape) = layout[written++];
                if (t.dtype != type || !t.shape.SequenceEqual(shape))
                    throw new ArgumentException($"tensor '{name}' is {t.dtype} [{string.Join(",", t.shape)}], its header says {type} [{string.Join(",", shape)}]");
                using var flat = t.contiguous().view(-1);
                for (long at = 0; at < flat.numel(); at += ChunkElements)
                {
                    using var piece = flat.narrow(0, at, Math.Min(ChunkElements, flat.numel() - at)).contiguous();
                    stream.Write(piece.bytes);
                }
            }
            finally
            {
                if (dispose) t.Dispose();
            }
        }
        if (written != layout.Count) throw new ArgumentException($"{written} tensors for a header of {layout.Count}");
        stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
