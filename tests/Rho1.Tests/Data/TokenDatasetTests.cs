// Reading a prepared dataset: reads across shard boundaries, cheap checks on Open (truncation, header edits,
// missing files) and the full checksum check of Verify (a flipped payload byte).
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public sealed class TokenDatasetTests : IDisposable
{
    readonly TempDirectory _dir = new();
    readonly string _out;
    readonly long[] _expected;

    public TokenDatasetTests()
    {
        var docs = Corpus.Documents(30);
        string input = _dir.File("c.jsonl", Corpus.Jsonl(docs));
        _out = _dir.Combine("out");
        DatasetPreparer.Run(new PrepareOptions([input], _out, "bytes") { ValFraction = 0, ShardTokens = 97 });
        _expected = docs.SelectMany(d => System.Text.Encoding.UTF8.GetBytes(d).Select(b => (long)b).Append(256)).ToArray();
    }

    [Fact]
    public void Reads_at_every_offset_and_length_cross_shard_boundaries_correctly()
    {
        using var dataset = TokenDataset.Open(_out);
        var train = dataset.Split("train");
        Assert.Equal(_expected.Length, train.Length);
        Assert.True(dataset.Meta.Splits["train"].Shards.Count > 10);
        foreach (int length in new[] { 1, 96, 97, 98, 250 })
        {
            var buffer = new long[length];
            for (long start = 0; start + length <= train.Length; start += 37)
            {
                train.Read(start, buffer);
                Assert.Equal(_expected.AsSpan((int)start, length).ToArray(), buffer);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Read(train.Length - 3, new long[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Read(-1, new long[1]));
    }

    [Fact]
    public void A_flipped_payload_byte_passes_open_but_fails_verify_naming_the_shard()
    {
        string shard = Path.Combine(_out, "train-00003.bin");
        using (var file = File.Open(shard, FileMode.Open))
        {
            file.Position = 64 + 11;
            int b = file.ReadByte();
            file.Position = 64 + 11;
            file.WriteByte((byte)(b ^ 0x01));
        }
        using var dataset = TokenDataset.Open(_out);
        var e = Assert.Throws<DataCorruptException>(dataset.Verify);
        Assert.Contains("train-00003.bin", e.Message);
        Assert.Equal(shard, e.ShardPath);
    }

    [Fact]
    public void An_intact_dataset_verifies()
    {
        using var dataset = TokenDataset.Open(_out);
        dataset.Verify();
        Assert.Equal(64, dataset.Fingerprint.Length);
    }

    [Fact]
    public void A_truncated_shard_is_caught_on_open()
    {
        string shard = Path.Combine(_out, "train-00002.bin");
        using (var file = File.Open(shard, FileMode.Open))
            file.SetLength(file.Length - 1);
        var e = Assert.Throws<UserErrorException>(() => TokenDataset.Open(_out));
        Assert.Contains("train-00002.bin", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_header_whose_count_disagrees_with_meta_is_caught_on_open()
    {
        string shard = Path.Combine(_out, "train-00001.bin");
        using (var file = File.Open(shard, FileMode.Open))
        {
            file.Position = 16;
            file.Write(BitConverter.GetBytes(5L));
        }
        var e = Assert.Throws<UserErrorException>(() => TokenDataset.Open(_out));
        Assert.Contains("train-00001.bin", e.Message);
    }

    [Fact]
    public void Missing_directory_meta_or_shard_are_user_errors_naming_the_path()
    {
        Assert.Contains("nope", Assert.Throws<UserErrorException>(() => TokenDataset.Open(_dir.Combine("nope"))).Message);
        File.Delete(Path.Combine(_out, "train-00000.bin"));
        Assert.Contains("train-00000.bin", Assert.Throws<UserErrorException>(() => TokenDataset.Open(_out)).Message);
        File.Delete(Path.Combine(_out, "meta.json"));
        Assert.Contains("meta.json", Assert.Throws<UserErrorException>(() => TokenDataset.Open(_out)).Message);
    }

    [Fact]
    public void Unknown_split_is_a_user_error()
    {
        using var dataset = TokenDataset.Open(_out);
        Assert.Contains("'test'", Assert.Throws<UserErrorException>(() => dataset.Split("test")).Message);
        Assert.Equal(0, dataset.Split("val").Length);
    }

    public void Dispose() => _dir.Dispose();
}
