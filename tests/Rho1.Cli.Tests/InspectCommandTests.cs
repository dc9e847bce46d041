// `rho1 inspect`: JSON fields match what prepare wrote, --decode prints the first tokens as text, and
// --verify turns a corrupt shard into exit 1 naming it (a runtime failure, not bad usage).
using System.Text.Json;

namespace Rho1.Cli.Tests;

public sealed class InspectCommandTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"rho1-cli-{Guid.NewGuid():N}");
    readonly string _out;

    public InspectCommandTests()
    {
        Directory.CreateDirectory(_dir);
        string input = Path.Combine(_dir, "c.jsonl");
        File.WriteAllText(input, string.Concat(Enumerable.Range(0, 100).Select(i => $"{{\"text\":\"Doc {i}: naïve text\"}}\n")));
        _out = Path.Combine(_dir, "out");
        Assert.Equal(0, CliRunner.Run("prepare", "-i", input, "-o", _out, "-t", "bytes", "--shard-tokens", "500", "--val-fraction", "0.1").ExitCode);
    }

    [Fact]
    public void Json_reports_tokenizer_vocabulary_and_split_counts()
    {
        var r = CliRunner.Run("inspect", _out, "--json", "--verify");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal("bytes", root.GetProperty("tokenizer").GetString());
        Assert.Equal(257, root.GetProperty("vocab_size").GetInt32());
        Assert.Equal(256, root.GetProperty("eos_id").GetInt32());
        Assert.True(root.GetProperty("verified").GetBoolean());
        var splits = root.GetProperty("splits");
        long docs = splits.GetProperty("train").GetProperty("documents").GetInt64() + splits.GetProperty("val").GetProperty("documents").GetInt64();
        Assert.Equal(100, docs);
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "meta.json"))).RootElement;
        Assert.Equal(meta.GetProperty("splits").GetProperty("train").GetProperty("tokens").GetInt64(),
            splits.GetProperty("train").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public void Decode_prints_the_first_train_tokens_as_text()
    {
        var r = CliRunner.Run("inspect", _out, "--decode", "40");
        Assert.Equal(0, r.ExitCode);
        // Bytes tokenizer: 40 tokens are 40 bytes, so the first documents with their EOS markers.
        Assert.Matches(@"Doc \d+: naïve text<\|endoftext\|>Doc", r.Stdout);
        Assert.Contains("first 40 tokens of the train split (id, text):", r.Stdout);
    }

    [Fact]
    public void Decode_n_lists_n_tokens_with_their_ids_and_text()
    {
        // One token is one byte with this tokenizer: "D", id 68; the listing says so.
        var r = CliRunner.Run("inspect", _out, "--decode", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("first 1 token of the train split (id, text):\n        68 \"D\"\ndecoded:\nD\n", r.Stdout.ReplaceLineEndings("\n"));
        var json = JsonDocument.Parse(CliRunner.Run("inspect", _out, "--decode", "5", "--json").Stdout).RootElement.GetProperty("decoded");
        Assert.Equal(5, json.GetProperty("count").GetInt32());
        var tokens = json.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal(5, tokens.Count);
        // The pieces are the ids' own text, and together they are the decoded text ("Doc N", ASCII: one byte each).
        Assert.Equal(json.GetProperty("text").GetString(), string.Concat(tokens.Select(t => t.GetProperty("text").GetString())));
        Assert.All(tokens, t => Assert.Equal(t.GetProperty("text").GetString(), ((char)t.GetProperty("id").GetInt32()).ToString()));
    }

    [Fact]
    public void Verify_of_a_corrupt_shard_exits_1_naming_it()
    {
        string shard = Path.Combine(_out, "train-00001.bin");
        byte[] bytes = File.ReadAllBytes(shard);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(shard, bytes);
        var r = CliRunner.Run("inspect", _out, "--verify");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("train-00001.bin", r.Stderr);
        Assert.Equal(0, CliRunner.Run("inspect", _out).ExitCode); // without --verify only cheap checks run
    }

    [Fact]
    public void A_truncated_shard_or_missing_directory_is_exit_2()
    {
        var missing = CliRunner.Run("inspect", Path.Combine(_dir, "nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope", missing.Stderr);
        string shard = Path.Combine(_out, "val-00000.bin");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..70]);
        var r = CliRunner.Run("inspect", _out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("val-00000.bin", r.Stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
