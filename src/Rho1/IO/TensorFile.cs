// Rho1's named-tensor file: magic "RHO1TNSR", uint32 version, uint32 count, then per tensor a UTF-8 name,
// dtype code, shape and raw little-endian bytes, and a SHA-256 of everything before it as the trailer.
// Used for model weights and optimizer state; read back only after the checksum verifies.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.IO;

public static class TensorFile
{
    internal static readonly byte[] Magic = "RHO1TNSR"u8.ToArray();
    internal const uint Version = 1;

    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var list = tensors.ToList();
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { stream.Write(bytes); hash.AppendData(bytes); }
            Put(Magic);
            Put(UInt32(Version));
            Put(UInt32((uint)list.Count));
            foreach (var (name, tensor) in list)
            {
                using var cpu = tensor.detach().cpu().contiguous();
                byte[] nameBytes = Encoding.UTF8.GetBytes(name);
                Put(UInt16((ushort)nameBytes.Length));
                Put(nameBytes);
                Put(new[] { Code(cpu.dtype), (byte)cpu.dim() });
                foreach (long d in cpu.shape) Put(Int64(d));
                var data = cpu.bytes;
                Put(Int64(data.Length));
                Put(data);
            }
            stream.Write(hash.GetHashAndReset());
        });
    }

    // Header integers are little-endian whatever the host, as BinaryReader reads them back.
    static byte[] UInt16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }
    static byte[] UInt32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    static byte[] Int64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); return b; }

    /// <summary>Verifies the checksum, then loads every tensor onto the CPU. Throws InvalidDataException naming the file.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        Verify(path);
        using var index = TensorFileIndex.Open(path);
        return index.Entries.ToDictionary(e => e.Name, index.Read, StringComparer.Ordinal);
    }

    /// <summary>The file's trailer, the SHA-256 of everything before it, in lower-case hex (read, not recomputed: Load verifies it).</summary>
    public static string Trailer(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length < Magic.Length + 8 + 32)
            throw new InvalidDataException($"{path}: truncated ({stream.Length} bytes)");
        stream.Seek(-32, SeekOrigin.End);
        var trailer = new byte[32];
        stream.ReadExactly(trailer);
        return Convert.ToHexStringLower(trailer);
    }

    /// <summary>Throws InvalidDataException if the file is truncated or its trailer checksum does not match.</summary>
    public static void Verify(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (stream.Length < Magic.Length + 8 + 32)
            throw new InvalidDataException($"{path}: truncated ({stream.Length} bytes)");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long left = stream.Length - 32;
        while (left > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0) throw new InvalidDataException($"{path}: truncated");
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        var trailer = new byte[32];
        stream.ReadExactly(trailer);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(trailer))
            throw new InvalidDataException($"{path}: checksum mismatch (file is corrupt or was truncated)");
    }

    static byte Code(ScalarType t) => t switch
    {
        ScalarType.Float32 => 1,
        ScalarType.Int64 => 2,
        ScalarType.BFloat16 => 3,
        ScalarType.Float64 => 4,
        _ => throw new NotSupportedException($"dtype {t} cannot be stored"),
    };

    internal static ScalarType Type(byte code, string path) => code switch
    {
        1 => ScalarType.Float32,
        2 => ScalarType.Int64,
        3 => ScalarType.BFloat16,
        4 => ScalarType.Float64,
        _ => throw new InvalidDataException($"{path}: unknown dtype code {code}"),
    };
}
