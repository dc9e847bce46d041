// `rho1 prepare` through the CLI: the happy path and every bad input the issue lists, each one line on stderr,
// exit 2, and nothing left behind in the output's parent directory.
using System.Text.Json;

namespace Rho1.Cli.Tests;

public sealed class PrepareCommandTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), $"rho1-cli-{Guid.NewGuid():N}");

    public PrepareCommandTests() => Directory.CreateDirectory(_dir);

    string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    string Out => Path.Combine(_dir, "out");

    /// <summary>Asserts exit 2 with exactly one error line containing every fragment, and no output created.</summary>
    void AssertBadInput(CliResult r, params string[] fragments)
    {
        Assert.Equal(2, r.ExitCode);
        var errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("rho1:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        foreach (string fragment in fragments)
            Assert.Contains(fragment, errors[0]);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace without --verbose
        Assert.False(Directory.Exists(Out));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_dir), p => Path.GetFileName(p).StartsWith(".out", StringComparison.Ordinal));
    }

    [Fact]
    public void Prepares_a_dataset_and_prints_the_split_counts()
    {
        string input = Write("c.jsonl", string.Concat(Enumerable.Range(0, 200).Select(i => $"{{\"text\":\"document {i}\"}}\n")));
        var r = CliRunner.Run("prepare", "--input", input, "--output", Out, "--tokenizer", "bytes", "--val-fraction", "0.1", "--seed", "9");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"train\s+[\d,]+ tokens\s+\d+ documents", r.Stdout);
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "meta.json"))).RootElement;
        Assert.Equal(9, meta.GetProperty("seed").GetInt64());
        Assert.Equal(200, meta.GetProperty("splits").GetProperty("train").GetProperty("documents").GetInt64()
            + meta.GetProperty("splits").GetProperty("val").GetProperty("documents").GetInt64());
    }

    [Fact]
    public void Missing_input_names_the_path() =>
        AssertBadInput(CliRunner.Run("prepare", "-i", Path.Combine(_dir, "nope.txt"), "-o", Out, "-t", "gpt2"), "nope.txt", "does not exist");

    [Fact]
    public void A_glob_matching_nothing_says_so() =>
        AssertBadInput(CliRunner.Run("prepare", "-i", Path.Combine(_dir, "*.jsonl"), "-o", Out, "-t", "gpt2"), "*.jsonl", "matches no");

    [Fact]
    public void No_input_option_is_a_usage_error()
    {
        var r = CliRunner.Run("prepare", "-o", Out, "-t", "gpt2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--input", r.Stderr);
    }

    [Fact]
    public void An_empty_corpus_is_refused() =>
        AssertBadInput(CliRunner.Run("prepare", "-i", Write("empty.txt", ""), "-o", Out, "-t", "gpt2"), "no non-empty documents");

    [Fact]
    public void A_malformed_jsonl_line_names_file_and_line()
    {
        string input = Write("bad.jsonl", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\": nope\n");
        AssertBadInput(CliRunner.Run("prepare", "-i", input, "-o", Out, "-t", "gpt2"), $"{input}:3:", "malformed JSON");
    }

    [Fact]
    public void A_missing_jsonl_field_suggests_the_option()
    {
        string input = Write("c.jsonl", "{\"body\":\"a\"}\n");
        AssertBadInput(CliRunner.Run("prepare", "-i", input, "-o", Out, "-t", "gpt2"), $"{input}:1", "--text-field");
    }

    [Fact]
    public void An_unknown_tokenizer_is_named() =>
        AssertBadInput(CliRunner.Run("prepare", "-i", Write("a.txt", "x"), "-o", Out, "-t", "gpt5"), "'gpt5'");

    [Fact]
    public void A_tokenizer_file_that_fails_to_load_is_named()
    {
        string model = Write("bad.model", "garbage, not protobuf");
        AssertBadInput(CliRunner.Run("prepare", "-i", Write("a.txt", "x"), "-o", Out, "-t", model), model, "could not be loaded");
    }

    [Fact]
    public void An_output_holding_the_users_files_is_refused_and_kept_even_with_force()
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, "precious.txt"), "keep me");
        foreach (var force in new[] { false, true })
        {
            string[] args = ["prepare", "-i", Write("a.txt", "x"), "-o", Out, "-t", "bytes", .. force ? new[] { "--force" } : []];
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("precious.txt", r.Stderr);
            Assert.Contains("did not make", r.Stderr);
            Assert.Equal("keep me", File.ReadAllText(Path.Combine(Out, "precious.txt")));
        }
        // A dataset it made is replaced with --force (and only then).
        string dataset = Out + "-dataset";
        Assert.Equal(0, CliRunner.Run("prepare", "-i", Path.Combine(_dir, "a.txt"), "-o", dataset, "-t", "bytes").ExitCode);
        Assert.Contains("--force", CliRunner.Run("prepare", "-i", Path.Combine(_dir, "a.txt"), "-o", dataset, "-t", "bytes").Stderr);
        Assert.Equal(0, CliRunner.Run("prepare", "-i", Path.Combine(_dir, "a.txt"), "-o", dataset, "-t", "bytes", "--force").ExitCode);
    }

    [Fact]
    public void Out_of_range_values_are_user_errors() =>
        AssertBadInput(CliRunner.Run("prepare", "-i", Write("a.txt", "x"), "-o", Out, "-t", "bytes", "--val-fraction", "1.5"), "--val-fraction 1.5");

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
