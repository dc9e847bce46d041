// `prepare` end to end through the library: exact token layout, determinism (seed, thread count), formats,
// invalid UTF-8, shard headers, tokenizer file copies, and that failures leave no output behind.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Rho1.Data.Format;
using Rho1.Data.Prepare;
using Rho1.Data.Tokenizers;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Data;

public sealed class DatasetPreparerTests : IDisposable
{
    readonly TempDirectory _dir = new();

    DatasetMeta Prepare(string output, string tokenizer, params string[] inputs) =>
        DatasetPreparer.Run(new PrepareOptions(inputs, output, tokenizer) { ValFraction = 0 });

    [Fact]
    public void Every_document_is_written_in_order_followed_by_eos()
    {
        var docs = Corpus.Documents(60);
        string input = _dir.File("c.jsonl", Corpus.Jsonl(docs));
        var meta = Prepare(_dir.Combine("out"), "bytes", input);

        var expected = docs.SelectMany(d => Encoding.UTF8.GetBytes(d).Select(b => (long)b).Append(256)).ToArray();
        Assert.Equal(expected, DatasetAssert.AllTokens(_dir.Combine("out"), "train"));
        Assert.Equal(60, meta.Splits["train"].Documents);
        Assert.Equal(docs.Sum(d => (long)Encoding.UTF8.GetByteCount(d)), meta.Splits["train"].SourceBytes);
        Assert.Equal(0, meta.Splits["val"].Tokens);
        Assert.Equal(2, meta.TokenBytes);
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_another_split()
    {
        var docs = Corpus.Documents(300);
        string input = _dir.File("c.jsonl", Corpus.Jsonl(docs));
        DatasetMeta Run(string name, long seed) =>
            DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine(name), "bytes") { ValFraction = 0.2, Seed = seed });
        var a = Run("a", 1);
        var b = Run("b", 1);
        var c = Run("c", 2);

        Assert.Equal(DatasetAssert.Files(_dir.Combine("a")), DatasetAssert.Files(_dir.Combine("b")));
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
        Assert.InRange(a.Splits["val"].Documents, 35, 85); // 60 expected; a broken hash gives 0 or 300
        // Each document lands in exactly one split, whole.
        var bytes = TokenizerFactory.Create("bytes");
        var train = DatasetAssert.Documents(_dir.Combine("c"), "train", 256, ids => bytes.Decode(ids));
        var val = DatasetAssert.Documents(_dir.Combine("c"), "val", 256, ids => bytes.Decode(ids));
        Assert.Equal(docs.Order(), train.Concat(val).Order());
        Assert.NotEqual(DatasetAssert.Documents(_dir.Combine("a"), "val", 256, ids => bytes.Decode(ids)), val);
    }

    [Fact]
    public void Output_bytes_are_identical_with_one_and_two_threads()
    {
        var docs = Corpus.Documents(3000);
        string input = _dir.File("c.jsonl", Corpus.Jsonl(docs));
        foreach (int threads in new[] { 1, 2 })
            DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine($"t{threads}"), "gpt2") { ShardTokens = 20_000, Threads = threads });
        var one = DatasetAssert.Files(_dir.Combine("t1"));
        Assert.True(one.Count > 4, "the corpus should span several shards");
        Assert.Equal(one, DatasetAssert.Files(_dir.Combine("t2")));
    }

    [Fact]
    public void Shard_headers_hold_magic_version_width_counts_and_payload_sha256()
    {
        string input = _dir.File("c.jsonl", Corpus.Jsonl(Corpus.Documents(40)));
        var meta = DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine("out"), "bytes") { ValFraction = 0, ShardTokens = 1000 });
        var shards = meta.Splits["train"].Shards;
        Assert.True(shards.Count >= 3);
        Assert.All(shards.SkipLast(1), s => Assert.Equal(1000, s.Tokens));
        Assert.Equal(40, shards.Sum(s => s.Documents));
        Assert.Equal("train-00000.bin", shards[0].File);
        foreach (var shard in shards)
        {
            byte[] file = File.ReadAllBytes(_dir.Combine("out", shard.File));
            Assert.Equal("RHO1TOK\0"u8.ToArray(), file[..8]);
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)));
            Assert.Equal(shard.Tokens, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(16)));
            Assert.Equal(shard.Documents, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(24)));
            Assert.Equal(SHA256.HashData(file.AsSpan(64)), file[32..64]);
            Assert.Equal(Convert.ToHexStringLower(file[32..64]), shard.Sha256);
            Assert.Equal(64 + 2 * shard.Tokens, file.Length);
        }
    }

    [Fact]
    public void Large_vocabularies_are_stored_as_uint32_and_read_back_exactly()
    {
        const string text = "日本語のテキストとEnglish text, plus 🎉 emoji";
        string input = _dir.File("a.txt", text);
        var meta = Prepare(_dir.Combine("out"), "o200k", input);
        Assert.Equal(4, meta.TokenBytes);
        var o200k = TokenizerFactory.Create("o200k");
        long[] expected = [.. o200k.Encode(text).Select(i => (long)i), 199999];
        Assert.Contains(expected, id => id > 65535);
        Assert.Equal(expected, DatasetAssert.AllTokens(_dir.Combine("out"), "train"));
    }

    [Fact]
    public void Text_json_jsonl_gzip_directories_and_globs_are_read()
    {
        _dir.File("in/a.txt", "whole file\n\nstays one document\n");
        _dir.File("in/sub/b.jsonl", "{\"body\":\"jsonl one\"}\n\n{\"body\":\"jsonl two\"}\n");
        _dir.File("in/sub/c.json", "[\"array one\", {\"body\": \"array two\"}]");
        _dir.File("in/ignored.csv", "not read");
        Directory.CreateDirectory(_dir.Combine("gz"));
        using (var gz = new GZipStream(File.Create(_dir.Combine("gz", "d.jsonl.gz")), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes("{\"body\":\"gzipped\"}\n"));
        var bytes = TokenizerFactory.Create("bytes");
        var meta = DatasetPreparer.Run(new PrepareOptions([_dir.Combine("in"), _dir.Combine("gz", "*.gz")], _dir.Combine("out"), "bytes")
            { ValFraction = 0, JsonlField = "body", SkipUnknown = true }); // in/ignored.csv is left out, with a warning
        var docs = DatasetAssert.Documents(_dir.Combine("out"), "train", 256, ids => bytes.Decode(ids));
        // Files in ordinal path order: gz/d.jsonl.gz, in/a.txt, in/sub/b.jsonl, in/sub/c.json.
        Assert.Equal(["gzipped", "whole file\n\nstays one document\n", "jsonl one", "jsonl two", "array one", "array two"], docs);
        Assert.Equal(6, meta.Splits["train"].Documents);
    }

    [Fact]
    public void Split_blank_lines_makes_each_paragraph_a_document()
    {
        string input = _dir.File("a.txt", "first para\nline two\r\n\n  \nsecond para\n\n\n");
        DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine("out"), "bytes") { ValFraction = 0, SplitBlankLines = true });
        var bytes = TokenizerFactory.Create("bytes");
        Assert.Equal(["first para\nline two", "second para"], DatasetAssert.Documents(_dir.Combine("out"), "train", 256, ids => bytes.Decode(ids)));
    }

    [Fact]
    public void Invalid_utf8_is_replaced_and_counted()
    {
        string path = _dir.Combine("bad.txt");
        File.WriteAllBytes(path, [.. "ok "u8, 0xFF, .. " then "u8, 0xC3, 0x28, .. " end"u8]);
        var meta = Prepare(_dir.Combine("out"), "bytes", path);
        Assert.Equal(2, meta.InvalidUtf8Replaced);
        var bytes = TokenizerFactory.Create("bytes");
        Assert.Equal(["ok \uFFFD then \uFFFD( end"], DatasetAssert.Documents(_dir.Combine("out"), "train", 256, ids => bytes.Decode(ids)));
    }

    [Fact]
    public void File_tokenizers_are_copied_so_the_dataset_recreates_its_tokenizer()
    {
        string vocab = TinyTokenizerFiles.WriteBpePair(_dir.Combine("tok"), withEndOfText: false);
        string input = _dir.File("a.txt", "the and then");
        var meta = Prepare(_dir.Combine("out"), vocab, input);
        Directory.Delete(_dir.Combine("tok"), recursive: true); // the dataset must not depend on the original
        Assert.True(File.Exists(_dir.Combine("out", "tokenizer", "merges.txt")));
        var again = TokenizerFactory.ForDataset(_dir.Combine("out"));
        Assert.Equal(meta.Tokenizer, again.Id);
        Assert.Equal("the and then<|endoftext|>",
            again.Decode(DatasetAssert.AllTokens(_dir.Combine("out"), "train").Select(i => (int)i).ToArray()));
        File.AppendAllText(_dir.Combine("out", "tokenizer", "vocab.json"), "\n"); // same tokens, different file
        var e = Assert.Throws<UserErrorException>(() => TokenizerFactory.ForDataset(_dir.Combine("out")));
        Assert.Contains("meta.json", e.Message);
    }

    [Fact]
    public void Existing_output_is_kept_without_force_and_only_a_dataset_is_replaced_with_it()
    {
        string input = _dir.File("a.txt", "new content");
        Directory.CreateDirectory(_dir.Combine("out"));
        File.WriteAllText(_dir.Combine("out", "keep.txt"), "old");
        var e = Assert.Throws<UserErrorException>(() => Prepare(_dir.Combine("out"), "bytes", input));
        Assert.Contains("--force", e.Message);
        Assert.True(File.Exists(_dir.Combine("out", "keep.txt")));

        // A failing run with --force must not touch the old output either.
        string bad = _dir.File("bad.jsonl", "{\"text\":\"fine\"}\n{broken\n");
        Assert.Throws<UserErrorException>(() =>
            DatasetPreparer.Run(new PrepareOptions([bad], _dir.Combine("out"), "bytes") { Force = true }));
        Assert.True(File.Exists(_dir.Combine("out", "keep.txt")));

        // Nor does a good one: --force replaces only a dataset Rho1 made, and keep.txt is the user's.
        e = Assert.Throws<UserErrorException>(() => DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine("out"), "bytes") { Force = true, ValFraction = 0 }));
        Assert.Contains("keep.txt", e.Message);
        Assert.True(File.Exists(_dir.Combine("out", "keep.txt")));

        Prepare(_dir.Combine("dataset"), "bytes", input);
        DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine("dataset"), "bytes") { Force = true, ValFraction = 0 });
        Assert.True(File.Exists(_dir.Combine("dataset", "meta.json")));
        Assert.Equal(["a.txt", "bad.jsonl", "dataset", "out"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Malformed_jsonl_names_file_and_line_and_leaves_nothing()
    {
        string bad = _dir.File("bad.jsonl", "{\"text\":\"one\"}\n\n{\"text\": oops}\n");
        var e = Assert.Throws<UserErrorException>(() => Prepare(_dir.Combine("out"), "bytes", bad));
        Assert.Contains($"{bad}:3:", e.Message);
        Assert.Equal(["bad.jsonl"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_corpus_of_empty_documents_is_refused()
    {
        string input = _dir.File("e.jsonl", "{\"text\":\"\"}\n{\"text\":\"\"}\n");
        var e = Assert.Throws<UserErrorException>(() => Prepare(_dir.Combine("out"), "bytes", input));
        Assert.Contains("no non-empty documents", e.Message);
        Assert.False(Directory.Exists(_dir.Combine("out")));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_binary_file_is_refused_as_text_unless_allowed_while_latin1_prose_passes()
    {
        string binary = _dir.Combine("program.txt");
        File.WriteAllBytes(binary, [.. Enumerable.Range(0, 2048).Select(i => (byte)(i * 7 % 256))]);
        var e = Assert.Throws<UserErrorException>(() => Prepare(_dir.Combine("out"), "bytes", binary));
        Assert.Contains("program.txt: looks binary", e.Message);
        Assert.False(Directory.Exists(_dir.Combine("out")));
        var meta = DatasetPreparer.Run(new PrepareOptions([binary], _dir.Combine("out"), "bytes") { AllowBinary = true, ValFraction = 0 });
        Assert.True(meta.InvalidUtf8Replaced > 0);
        string latin1 = _dir.Combine("prose.txt");
        File.WriteAllBytes(latin1, System.Text.Encoding.Latin1.GetBytes("Le café de la rue était fermé; nous avons pris un thé à côté.\n"));
        Assert.Equal(7, Prepare(_dir.Combine("prose"), "bytes", latin1).InvalidUtf8Replaced); // é é é é à ô é
    }

    [Fact]
    public void An_interrupted_prepare_removes_its_unfinished_output_and_says_so()
    {
        string input = _dir.File("a.txt", "some text to tokenize\n");
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var e = Assert.Throws<InterruptedException>(() => DatasetPreparer.Run(new PrepareOptions([input], _dir.Combine("out"), "bytes"), cancel: stop.Token));
        Assert.Contains("unfinished dataset was removed", e.Message);
        Assert.Equal(["a.txt"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName)); // no output, no hidden temporary
    }
}
