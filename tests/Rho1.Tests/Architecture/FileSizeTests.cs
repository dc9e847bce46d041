// The architecture's size rule, read from the source: no C# file of the library or the CLI is over 300 lines
// (docs/architecture.md). A file that grows past it is split along what has its own reason to change, not trimmed.
namespace Rho1.Tests.Architecture;

public class FileSizeTests
{
    public const int MaxLines = 300;

    [Fact]
    public void No_source_file_is_over_300_lines()
    {
        string src = Path.Combine(DependencyTests.RepoRoot(), "src");
        var over = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(src, f).Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .Select(f => (Path: Path.GetRelativePath(src, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.Path}: {f.Lines} lines")
            .ToList();
        Assert.Empty(over);
    }
}
