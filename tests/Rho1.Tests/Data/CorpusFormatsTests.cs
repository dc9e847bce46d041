// The corpora of the paper's scale come as Parquet (OpenWebMath, FineWeb) and .jsonl.zst (SlimPajama, the Pile): both
// are read as prepare's other formats are. Parquet from DuckDB (an independent writer) in three compressions, with a
// dictionary-encoded and a plain row group, a null, an empty string and columns to ignore; multi-frame zstd; and one
// corpus in every container giving byte-identical shards. Bad inputs are refused in one line naming the file.
using Parquet;
using Rho1.Data.Format;
using Rho1.Data.Prepare;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public class CorpusFormatsTests : IDisposable
{
    readonly TempDirectory _dir = new();

    static readonly ITextTokenizer Bytes = TokenizerFactory.Create("bytes");

    static List<string> All(string dataset) =>
        [.. DatasetAssert.Documents(dataset, "train", Bytes.EosId, ids => Bytes.Decode(ids)).Concat(DatasetAssert.Documents(dataset, "val", Bytes.EosId, ids => Bytes.Decode(ids)))];

    [Theory]
    [InlineData("zstd")]
    [InlineData("snappy")]
    [InlineData("gzip")]
    public void A_duckdb_parquet_file_gives_its_text_column_row_by_row_skipping_nulls_and_empties(string codec)
    {
        string output = _dir.Combine(codec);
        var meta = DatasetPreparer.Run(new PrepareOptions([ParquetFixture.Path(codec)], output, "bytes") { ValFraction = 0 });
        var expected = ParquetFixture.Texts().Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList();
        Assert.Equal(expected, All(output)); // rows of the dictionary-encoded first row group and the plain later ones, in order
        Assert.Equal(2, meta.NullDocumentsSkipped);
        Assert.Equal(expected.Count, meta.Splits["train"].Documents);
        Assert.Contains("\"null_documents_skipped\": 2", File.ReadAllText(Path.Combine(output, "meta.json")));
    }

    [Fact]
    public void One_corpus_in_every_container_gives_byte_identical_shards()
    {
        var texts = ParquetFixture.Texts().Take(700).ToList(); // both row-group kinds of the fixture's text, a null and an empty one
        string jsonl = string.Concat(texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t }) + "\n"));
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(jsonl);
        string dir = Directory.CreateDirectory(_dir.Combine("inputs")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "c.jsonl"), bytes);
        using (var gz = new System.IO.Compression.GZipStream(File.Create(Path.Combine(dir, "c.jsonl.gz")), System.IO.Compression.CompressionLevel.Optimal))
            gz.Write(bytes);
        ParquetFixture.WriteZstd(Path.Combine(dir, "c.jsonl.zst"), bytes, frames: 3);
        ParquetFixture.Write(Path.Combine(dir, "c.parquet"), texts, rowGroup: 256);
        ParquetFixture.Write(Path.Combine(dir, "c-zstd.parquet"), texts, rowGroup: 300, CompressionMethod.Zstd);
        var metas = new[] { "c.jsonl", "c.jsonl.gz", "c.jsonl.zst", "c.parquet", "c-zstd.parquet" }.Select(name =>
            DatasetPreparer.Run(new PrepareOptions([Path.Combine(dir, name)], _dir.Combine("out-" + name), "gpt2") { ValFraction = 0.1, Seed = 3 })).ToList();
        foreach (var meta in metas.Skip(1))
        {
            Assert.Equal(metas[0].Fingerprint, meta.Fingerprint);
            foreach (string split in DatasetLayout.SplitNames)
            {
                Assert.Equal(metas[0].Splits[split].Tokens, meta.Splits[split].Tokens);
                Assert.Equal(metas[0].Splits[split].Shards.Select(s => s.Sha256), meta.Splits[split].Shards.Select(s => s.Sha256));
            }
            Assert.Equal(1, meta.NullDocumentsSkipped);
        }
        Assert.Equal(texts.Count(t => !string.IsNullOrEmpty(t)), metas[0].Splits["train"].Documents + metas[0].Splits["val"].Documents);
    }

    [Fact]
    public void A_column_that_is_missing_or_not_text_and_truncated_files_are_refused_naming_them()
    {
        string Refusal(PrepareOptions o) => Assert.Throws<UserErrorException>(() => DatasetPreparer.Run(o)).Message;
        string zstd = ParquetFixture.Path("zstd");
        string missing = Refusal(new PrepareOptions([zstd], _dir.Combine("a"), "bytes") { JsonlField = "content" });
        Assert.Equal($"{zstd}: no column \"content\" (columns: id (Int32), text (String), score (Double), body (Int32)); choose one with --text-field", missing);
        Assert.Equal($"{zstd}: column \"body\" holds Int32, not strings; choose a text column with --text-field",
            Refusal(new PrepareOptions([zstd], _dir.Combine("b"), "bytes") { JsonlField = "body" }));
        string truncated = _dir.File("half.parquet", "");
        File.WriteAllBytes(truncated, File.ReadAllBytes(zstd)[..20000]);
        Assert.StartsWith($"{truncated}: not a readable Parquet file", Refusal(new PrepareOptions([truncated], _dir.Combine("c"), "bytes")));
        byte[] text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"text\": \"document {i} with some words\"}}\n")));
        string zst = Path.Combine(_dir.Path, "cut.jsonl.zst");
        ParquetFixture.WriteZstd(zst, text, frames: 2);
        File.WriteAllBytes(zst, File.ReadAllBytes(zst)[..^40]);
        Assert.StartsWith($"{zst}: truncated or corrupt zstd data", Refusal(new PrepareOptions([zst], _dir.Combine("d"), "bytes")));
        foreach (string name in new[] { "a", "b", "c", "d" })
            Assert.False(Directory.Exists(_dir.Combine(name)));
        Assert.Empty(Directory.GetDirectories(_dir.Path, ".*")); // no unfinished temporary left behind
    }

    [Fact]
    public void A_directory_with_files_prepare_cannot_read_needs_skip_unknown()
    {
        string dir = Directory.CreateDirectory(_dir.Combine("mixed")).FullName;
        File.WriteAllText(Path.Combine(dir, "a.jsonl"), "{\"text\": \"one\"}\n");
        File.Copy(ParquetFixture.Path("gzip"), Path.Combine(dir, "b.parquet"));
        File.WriteAllText(Path.Combine(dir, "c.csv"), "x,y\n");
        File.WriteAllText(Path.Combine(dir, "d.jsonl.bz2"), "?");
        string message = Assert.Throws<UserErrorException>(() => DatasetPreparer.Run(new PrepareOptions([dir], _dir.Combine("o1"), "bytes"))).Message;
        Assert.StartsWith("2 input file(s) are not a format prepare reads", message);
        Assert.Contains("c.csv", message);
        Assert.Contains("d.jsonl.bz2", message);
        Assert.Contains("--skip-unknown", message);
        var meta = DatasetPreparer.Run(new PrepareOptions([dir], _dir.Combine("o2"), "bytes") { SkipUnknown = true, ValFraction = 0 });
        Assert.Equal(1 + ParquetFixture.Texts().Count(t => !string.IsNullOrEmpty(t)), meta.Splits["train"].Documents); // the .jsonl and the .parquet
    }

    public void Dispose() => _dir.Dispose();
}
