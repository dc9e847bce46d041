// Recognising what an output path holds by Rho1's own file names, and refusing to replace anything else.
using Rho1.IO;
using Rho1.Tests.Fixtures;
using Kind = Rho1.IO.OutputDirectory.Kind;

namespace Rho1.Tests.IO;

public class OutputDirectoryTests
{
    static string Make(TempDirectory temp, string name, params string[] entries)
    {
        string dir = temp.Combine(name);
        Directory.CreateDirectory(dir);
        foreach (string e in entries)
        {
            if (e.EndsWith('/')) Directory.CreateDirectory(Path.Combine(dir, e));
            else File.WriteAllText(Path.Combine(dir, e), "x");
        }
        return dir;
    }

    [Theory]
    [InlineData(Kind.Run, null, "config.json", "metrics.jsonl", "train.log", "checkpoints/", "final/", ".tmp-step-0000004-ab12/")]
    [InlineData(Kind.Run, "thesis.tex", "config.json", "train.log", "thesis.tex")]
    [InlineData(Kind.Dataset, null, "meta.json", "train-00000.bin", "val-00000.bin", "tokenizer/")]
    [InlineData(Kind.Scores, null, "scores.bin", "meta.json", "DONE")]
    [InlineData(Kind.Export, null, "model.safetensors", "config.json")]
    [InlineData(Kind.Quickstart, null, "quickstart.json", "corpus/", "data/", "runs/")]
    [InlineData(Kind.Sweep, null, "ratio-0.60/", "ratio-1.00/", "summary.csv", "summary.md", "loss-vs-tokens.png")]
    [InlineData(Kind.Foreign, "sub", "thesis.tex", "sub/")]
    [InlineData(Kind.Foreign, "config.json", "config.json")] // a config file alone is not a run
    public void Kinds_are_recognised_by_their_file_names(Kind kind, string? foreign, params string[] entries)
    {
        using var temp = new TempDirectory();
        var c = OutputDirectory.Inspect(Make(temp, "d", entries));
        Assert.Equal(kind, c.Kind);
        Assert.Equal(foreign, c.FirstForeign);
    }

    [Fact]
    public void Force_replaces_only_its_own_kind_with_nothing_foreign_and_each_refusal_says_what_is_there()
    {
        using var temp = new TempDirectory();
        Assert.Equal(Kind.Missing, OutputDirectory.RequireWritable("--out", temp.Combine("new"), Kind.Scores, force: false).Kind);
        Assert.Equal(Kind.Empty, OutputDirectory.RequireWritable("--out", Make(temp, "empty"), Kind.Scores, force: false).Kind);
        string scores = Make(temp, "scores", "scores.bin", "meta.json", "DONE");
        Assert.Contains("already holds a score directory; use --force", Assert.Throws<UserErrorException>(() => OutputDirectory.RequireWritable("--out", scores, Kind.Scores, false)).Message);
        Assert.Equal(Kind.Scores, OutputDirectory.RequireWritable("--out", scores, Kind.Scores, force: true).Kind);

        string mine = Make(temp, "sandbox", "thesis.tex", "sub/");
        var e = Assert.Throws<UserErrorException>(() => OutputDirectory.RequireWritable("--out", mine, Kind.Scores, force: true));
        Assert.Contains("holds sub and 1 other entry, which Rho1 did not make", e.Message);
        string dataset = Make(temp, "data", "meta.json", "train-00000.bin");
        Assert.Contains("holds a prepared dataset, not a Hugging Face export",
            Assert.Throws<UserErrorException>(() => OutputDirectory.RequireWritable("--out", dataset, Kind.Export, force: true)).Message);
        string mixed = Make(temp, "mixed", "scores.bin", "meta.json", "DONE", "notes.md");
        Assert.Contains("also holds notes.md", Assert.Throws<UserErrorException>(() => OutputDirectory.RequireWritable("--out", mixed, Kind.Scores, force: true)).Message);
        string file = temp.File("plain.txt", "mine");
        Assert.Contains("is a file", Assert.Throws<UserErrorException>(() => OutputDirectory.RequireWritable("--output", file, Kind.Dataset, force: true)).Message);
        Assert.Equal("mine", File.ReadAllText(file));
    }
}
