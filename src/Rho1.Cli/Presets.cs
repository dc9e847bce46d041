// Resolves --config: an existing file, or the name of a preset shipped in configs/ beside the binary.

namespace Rho1.Cli;

public static class Presets
{
    static string Directory => Path.Combine(AppContext.BaseDirectory, "configs");

    /// <summary>The presets shipped beside the binary, by name, in order.</summary>
    public static IReadOnlyList<string> Names => System.IO.Directory.Exists(Directory)
        ? [.. System.IO.Directory.GetFiles(Directory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)] : [];

    public static string Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return nameOrPath;
        string preset = Path.Combine(Directory, nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json");
        if (File.Exists(preset)) return preset;
        throw new UserErrorException($"--config {nameOrPath}: no such file or preset (presets: {string.Join(", ", Names)})");
    }
}
