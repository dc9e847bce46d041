// Every directory and file under a root with its size, modification time and SHA-256: taken before and after a
// refused command, two equal snapshots show that it created, changed and deleted nothing there.
using System.Security.Cryptography;

namespace Rho1.Cli.Tests.Reliability;

public sealed class TreeSnapshot
{
    readonly SortedDictionary<string, string> _entries = new(StringComparer.Ordinal);

    public static TreeSnapshot Take(string root)
    {
        var snapshot = new TreeSnapshot();
        foreach (string dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            snapshot._entries[Path.GetRelativePath(root, dir) + "/"] = "dir";
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            using var stream = info.OpenRead();
            snapshot._entries[Path.GetRelativePath(root, file)] =
                $"{info.Length} bytes, modified {info.LastWriteTimeUtc.Ticks}, sha256 {Convert.ToHexStringLower(SHA256.HashData(stream))}";
        }
        return snapshot;
    }

    /// <summary>What differs from <paramref name="before"/>, one line per path; empty when nothing does.</summary>
    public string Changes(TreeSnapshot before)
    {
        var lines = new List<string>();
        foreach (var (path, state) in _entries)
            if (!before._entries.TryGetValue(path, out string? old))
                lines.Add($"created {path}");
            else if (old != state)
                lines.Add($"changed {path}: {old} -> {state}");
        foreach (string path in before._entries.Keys.Where(p => !_entries.ContainsKey(p)))
            lines.Add($"deleted {path}");
        return string.Join("\n", lines);
    }
}
