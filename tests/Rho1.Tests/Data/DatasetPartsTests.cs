// Preparation in parts: `prepare --part I/N` over slices (files, Parquet row groups) and `merge-datasets` give the
// tokens, in the order, of one prepare over the whole input, train and val alike (the val split follows each
// document's index in the whole input); parts that do not fit together are refused by name.
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public class DatasetPartsTests : IDisposable
{
    readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(new long[] { 10, 10, 10, 10 }, 2, new[] { 0, 2, 4 })]
    [InlineData(new long[] { 10, 10, 10, 10, 10, 10 }, 3, new[] { 0, 2, 4, 6 })]
    [InlineData(new long[] { 1000, 1, 1, 1 }, 3, new[] { 0, 1, 2, 4 })] // a huge first slice: every part still gets one
    [InlineData(new long[] { 1, 1, 1, 1000 }, 2, new[] { 0, 3, 4 })]
    [InlineData(new long[] { 5, 5, 5 }, 3, new[] { 0, 1, 2, 3 })]
    public void Parts_are_contiguous_runs_of_about_equal_bytes_and_none_is_empty(long[] bytes, int parts, int[] bounds)
    {
        for (int i = 1; i <= parts; i++)
            Assert.Equal((bounds[i - 1], bounds[i]), InputPartition.Range(bytes, new InputPart(i, parts)));
    }

    [Fact]
    public void Parts_merged_equal_one_prepare_over_the_whole_input()
    {
        string inputs = Directory.CreateDirectory(_dir.Combine("in")).FullName;
        var documents = Corpus.Documents(300, seed: 5);
        File.WriteAllText(Path.Combine(inputs, "a.jsonl"), Corpus.Jsonl(documents.Take(100)));
        File.WriteAllText(Path.Combine(inputs, "b.jsonl"), Corpus.Jsonl(documents.Skip(100).Take(60)));
        ParquetFixture.Write(Path.Combine(inputs, "c.parquet"), [.. documents.Skip(160)], rowGroup: 40); // 4 row groups
        PrepareOptions Options(string output, InputPart? part = null) =>
            new([inputs], output, "gpt2") { ValFraction = 0.2, Seed = 9, ShardTokens = 5000, Part = part };
        string whole = _dir.Combine("whole");
        var all = DatasetPreparer.Run(Options(whole));
        var parts = Enumerable.Range(1, 3).Select(i => _dir.Combine($"part{i}")).ToList();
        for (int i = 0; i < 3; i++)
        {
            var meta = DatasetPreparer.Run(Options(parts[i], new InputPart(i + 1, 3)));
            Assert.Equal(6, meta.Part!.Slices); // 2 files + 4 row groups
        }
        string merged = _dir.Combine("merged");
        var m = DatasetMerger.Run([parts[2], parts[0], parts[1]], merged); // any order
        Assert.Equal(3, m.MergedParts);
        foreach (string split in new[] { "train", "val" })
        {
            Assert.Equal(DatasetAssert.AllTokens(whole, split), DatasetAssert.AllTokens(merged, split));
            Assert.Equal(all.Splits[split].Documents, m.Splits[split].Documents);
            Assert.Equal(all.Splits[split].SourceBytes, m.Splits[split].SourceBytes);
        }
        Assert.True(all.Splits["val"].Documents > 20);
        using (var check = TokenDataset.OpenVerified(merged)) Assert.Equal(all.Splits["train"].Tokens, check.Split("train").Length);
        // The shards are the parts' own files under new names (hard links on one file system), not rewritten copies.
        var first = new FileInfo(Path.Combine(parts[0], "train-00000.bin"));
        Assert.Equal(File.ReadAllBytes(first.FullName), File.ReadAllBytes(Path.Combine(merged, "train-00000.bin")));
        Assert.True(LinkCount(Path.Combine(merged, "train-00000.bin")) >= 2, "the merged shard is not a hard link to the part's");

        string Refusal(params string[] dirs) => Assert.Throws<UserErrorException>(() => DatasetMerger.Run(dirs, _dir.Combine("bad"))).Message;
        Assert.Contains("parts 2/3 are missing", Refusal(parts[0], parts[2]));
        Assert.Contains("both part 1/3: overlapping parts", Refusal(parts[0], parts[0], parts[2]));
        Assert.Contains("is not a part", Refusal(whole, parts[0]));
        string bytesPart = _dir.Combine("bytes2");
        DatasetPreparer.Run(Options(bytesPart, new InputPart(2, 3)) with { Tokenizer = "bytes" });
        Assert.Contains("cannot be merged: tokenizer gpt2", Refusal(parts[0], bytesPart, parts[2]));
        string otherPartition = _dir.Combine("of2");
        DatasetPreparer.Run(Options(otherPartition, new InputPart(2, 2)));
        Assert.Contains("parts of different inputs or partitions", Refusal(parts[0], otherPartition));
        Assert.False(Directory.Exists(_dir.Combine("bad")));
        Assert.Equal("--part 3/2: expected I/N with 1 <= I <= N (e.g. --part 2/8)", Assert.Throws<UserErrorException>(() => InputPart.Parse("3/2")).Message);
        Assert.Contains("only 6 slice(s)", Assert.Throws<UserErrorException>(() => DatasetPreparer.Run(Options(_dir.Combine("p7"), new InputPart(1, 7)))).Message);
    }

    /// <summary>The file's number of hard links (stat(1)).</summary>
    static int LinkCount(string path)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _dir.Dispose();
}
