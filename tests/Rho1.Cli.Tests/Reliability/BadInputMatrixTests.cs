// Runs every row of the bad-input matrix through the CLI: exit 2, exactly one line on stderr (the error, naming
// what is wrong), nothing on stdout, and the workspace byte-for-byte as it was. Also keeps the doc's table honest.

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class BadInputMatrixTests(ReliabilityWorkspace w)
{
    public static TheoryData<string> Cases => BadInputCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Is_refused_with_one_line_exit_2_and_no_change(string name)
    {
        var c = BadInputCases.All.Single(x => x.Name == name);
        var before = TreeSnapshot.Take(w.Fixed);
        var r = CliRunner.Run(c.Args(w));
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, stderr:\n{r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}:\n{r.Stderr}");
        Assert.StartsWith("rho1: error: ", lines[0]);
        foreach (string fragment in c.Expect)
            Assert.Contains(fragment, lines[0]);
        Assert.Equal("", r.Stdout);
        Assert.Equal("", TreeSnapshot.Take(w.Fixed).Changes(before));
    }

    [Fact]
    public void The_matrix_has_at_least_25_cases_and_docs_list_each()
    {
        Assert.True(BadInputCases.All.Count >= 25, $"{BadInputCases.All.Count} cases");
        Assert.Equal(BadInputCases.All.Count, BadInputCases.All.Select(c => c.Name).Distinct().Count());
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "reliability.md"));
        var missing = BadInputCases.All.Where(c => !doc.Contains($"`{c.Name}`", StringComparison.Ordinal)).Select(c => c.Name).ToList();
        Assert.True(missing.Count == 0, "docs/reliability.md lacks: " + string.Join(", ", missing));
        // The table has one numbered row per case and no more, so that no count written elsewhere can drift from it.
        var rows = System.Text.RegularExpressions.Regex.Matches(doc, @"^\| (\d+) \| `", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Equal(BadInputCases.All.Count, rows.Count);
        Assert.Equal(Enumerable.Range(1, rows.Count), rows.Select(r => int.Parse(r.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rho1.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("no Rho1.sln above " + AppContext.BaseDirectory);
    }
}
