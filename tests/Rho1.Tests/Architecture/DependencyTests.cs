// The folder rule of docs/architecture.md, read from the source: every `using Rho1.X` and qualified
// `Rho1.X.` name in src/Rho1 and src/Rho1.Cli must be an allowed arrow, Selection uses nothing of ours, and
// the library never reaches the CLI or the console.
using System.Text.RegularExpressions;

namespace Rho1.Tests.Architecture;

public class DependencyTests
{
    static readonly string[] Base = ["root"];
    static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["root"] = [],
        ["IO"] = Base,
        ["Platform"] = Base,
        ["Distributed"] = [.. Base, "Platform"], // tensor addresses for NCCL
        ["Optimization"] = [.. Base, "Distributed"], // the optimizer owns the gradient reduction (ZeRO-1 shards it)
        ["Data"] = [.. Base, "IO", "Platform"],
        ["Model"] = [.. Base, "IO", "Platform", "Data"],
        ["Reference"] = [.. Base, "IO", "Platform", "Distributed", "Data", "Model", "Optimization"],
        ["Selection"] = [],
        ["Evaluation"] = [.. Base, "IO", "Platform", "Distributed", "Data", "Model"],
        ["Training"] = [.. Base, "IO", "Platform", "Distributed", "Optimization", "Data", "Model", "Reference", "Selection", "Evaluation"],
        ["Experiments"] = [.. Base, "IO", "Platform", "Distributed", "Optimization", "Data", "Model", "Reference", "Selection", "Evaluation", "Training"],
        ["Benchmarks"] = [.. Base, "IO", "Platform", "Distributed", "Optimization", "Data", "Model", "Reference", "Selection", "Evaluation", "Training", "Experiments"],
    };

    static readonly Regex Reference = new(@"(?<![\w.])(?:using\s+(?:static\s+)?)?Rho1((?:\.[A-Z]\w*)*)", RegexOptions.Compiled);
    static readonly Regex RootTypes = new(@"\b(UserErrorException|ConfigRule|HeldScalars)\b", RegexOptions.Compiled);

    /// <summary>The folders a file's text refers to (root for the root namespace's types), with comments removed.</summary>
    public static IReadOnlySet<string> Targets(string text, IReadOnlySet<string> folders)
    {
        string code = Regex.Replace(text, @"//[^\n]*|/\*.*?\*/|""(?:\\.|[^""\\])*""", "", RegexOptions.Singleline);
        var result = new HashSet<string>();
        foreach (Match m in Reference.Matches(code))
        {
            string first = m.Groups[1].Value.Split('.', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            result.Add(first == "Cli" ? "Cli" : folders.Contains(first) ? first : "root");
        }
        if (RootTypes.IsMatch(code)) result.Add("root");
        return result;
    }

    /// <summary>Forbidden arrows of one file, as "From -> To".</summary>
    public static IEnumerable<string> Violations(string from, string text, IReadOnlySet<string> folders)
    {
        foreach (string to in Targets(text, folders))
            if (to != from && !Allowed[from].Contains(to))
                yield return $"{from} -> {to}";
        if (Regex.IsMatch(Regex.Replace(text, @"//[^\n]*", ""), @"\bSystem\.CommandLine\b|\bConsole\.(Write|Out|Error)"))
            yield return $"{from} -> console";
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Rho1.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Rho1.sln not found above " + AppContext.BaseDirectory);
    }

    static IEnumerable<(string Folder, string Path)> LibraryFiles(string root)
    {
        string lib = Path.Combine(root, "src", "Rho1");
        foreach (string file in Directory.EnumerateFiles(lib, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(lib, file);
            if (rel.StartsWith("obj", StringComparison.Ordinal) || rel.StartsWith("bin", StringComparison.Ordinal)) continue;
            int slash = rel.IndexOf(Path.DirectorySeparatorChar);
            yield return (slash < 0 ? "root" : rel[..slash], file);
        }
    }

    [Fact]
    public void Every_library_folder_uses_only_the_folders_it_may()
    {
        var files = LibraryFiles(RepoRoot()).ToList();
        var folders = files.Select(f => f.Folder).ToHashSet();
        Assert.Subset(Allowed.Keys.ToHashSet(), folders); // a new folder needs a rule in this test and in docs/architecture.md
        var bad = files.SelectMany(f => Violations(f.Folder, File.ReadAllText(f.Path), folders).Select(v => $"{v} ({Path.GetFileName(f.Path)})")).ToList();
        Assert.Empty(bad);
        Assert.True(files.Count(f => f.Folder == "Selection") >= 4, "the selection math lives in src/Rho1/Selection");
    }

    [Fact]
    public void The_checker_catches_forbidden_arrows()
    {
        var folders = Allowed.Keys.ToHashSet();
        Assert.Equal(["Selection -> Training"], Violations("Selection", "using Rho1.Training.Configuration;\nclass A {}", folders));
        Assert.Equal(["Selection -> root"], Violations("Selection", "class A { void F() => throw new UserErrorException(\"x\"); }", folders));
        Assert.Equal(["Model -> Training"], Violations("Model", "class A { Rho1.Training.Trainer? t; }", folders));
        Assert.Equal(["Data -> Cli"], Violations("Data", "using Rho1.Cli.Commands;", folders));
        Assert.Equal(["Data -> console"], Violations("Data", "class A { void F() => Console.WriteLine(1); }", folders));
        Assert.Empty(Violations("Training", "using Rho1.Selection;\n// Rho1.Cli in a comment is fine\nclass A {}", folders));
        Assert.Empty(Violations("Evaluation", "using Rho1.Model.Storage;", folders));
    }

    [Fact]
    public void The_folder_graph_has_no_cycles()
    {
        var visiting = new HashSet<string>();
        var done = new HashSet<string>();
        void Visit(string node)
        {
            Assert.True(visiting.Add(node), $"cycle through {node}");
            foreach (string next in Allowed[node]) if (!done.Contains(next)) Visit(next);
            visiting.Remove(node);
            done.Add(node);
        }
        foreach (string node in Allowed.Keys) if (!done.Contains(node)) Visit(node);
    }
}
