// The tensor file format: exact round trip, and a flipped byte or a truncation is caught before use.
using Rho1.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.IO;

public class TensorFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rho1-tensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sample()
    {
        string path = Path.Combine(_dir, "t.bin");
        torch.manual_seed(4);
        TensorFile.Save(path, new[] { ("a.weight", torch.randn(3, 4)), ("step", torch.tensor(new long[] { 42 })), ("half", torch.randn(5).to(ScalarType.BFloat16)) });
        return path;
    }

    [Fact]
    public void Round_trip_is_exact()
    {
        string path = Sample();
        torch.manual_seed(4);
        var a = torch.randn(3, 4);
        var loaded = TensorFile.Load(path);
        Assert.True(loaded["a.weight"].eq(a).all().item<bool>());
        Assert.Equal(42, loaded["step"].item<long>());
        Assert.Equal(ScalarType.BFloat16, loaded["half"].dtype);
        Assert.Equal(new long[] { 5 }, loaded["half"].shape);
        Assert.Equal("RHO1TNSR", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, 8));
    }

    [Fact]
    public void A_flipped_byte_is_detected()
    {
        string path = Sample();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => TensorFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_detected()
    {
        string path = Sample();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 7)]);
        Assert.Throws<InvalidDataException>(() => TensorFile.Load(path));
    }
}
