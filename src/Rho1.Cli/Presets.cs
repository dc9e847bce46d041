// Resolves --config: an existing file, or the name of a preset shipped in configs/ beside the binary.

namespace Rho1.Cli;

public static class Presets
{
    public static string Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return nameOrPath;
        string dir = Path.Combine(AppContext.BaseDirectory, "configs");
        string preset = Path.Combine(dir, nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json");
        if (File.Exists(preset)) return preset;
        var known = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.json").Select(Path.GetFileNameWithoutExtension) : Enumerable.Empty<string?>();
        throw new UserErrorException($"--config {nameOrPath}: no such file or preset (presets: {string.Join(", ", known)})");
    }
}
