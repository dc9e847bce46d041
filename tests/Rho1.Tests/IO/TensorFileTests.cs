// The tensor file format: exact round trip, and a flipped byte or a truncation is caught before use; the index reads any
// tensor, or any range of one, as a whole load gives it.
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

    [Fact]
    public void The_index_reads_tensors_and_ranges_as_a_whole_load_gives_them()
    {
        string path = Sample();
        var whole = TensorFile.Load(path);
        using var index = TensorFileIndex.Open(path);
        Assert.Equal(whole.Keys, index.Entries.Select(e => e.Name));
        foreach (var e in index.Entries)
        {
            using var t = index.Read(e);
            Assert.Equal(whole[e.Name].dtype, t.dtype);
            Assert.True(t.eq(whole[e.Name]).all().item<bool>(), e.Name);
        }
        using var range = index.ReadRange(index["a.weight"], 5, 6); // values 5..10 of the (3, 4) tensor in row-major order
        Assert.True(range.eq(whole["a.weight"].view(-1).narrow(0, 5, 6)).all().item<bool>());
        using var halves = index.ReadRange(index["half"], 1, 3);
        Assert.True(halves.eq(whole["half"].narrow(0, 1, 3)).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => index.ReadRange(index["half"], 4, 2));
        Assert.Throws<InvalidDataException>(() => index["missing"]);
    }
}
