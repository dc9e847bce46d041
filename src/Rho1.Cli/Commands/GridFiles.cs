// Where `sweep --grid` finds its files: the sweep file (a path, or a name shipped in configs/sweeps/ beside
// the binary), the base config it names (relative to the sweep file, or a preset), and the cell a job array
// task runs ($SLURM_ARRAY_TASK_ID).
using System.Globalization;

namespace Rho1.Cli.Commands;

public static class GridFiles
{
    static string Shipped => Path.Combine(AppContext.BaseDirectory, "configs", "sweeps");

    public static string Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return nameOrPath;
        string shipped = Path.Combine(Shipped, nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json");
        if (File.Exists(shipped)) return shipped;
        string[] names = Directory.Exists(Shipped) ? [.. Directory.GetFiles(Shipped, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)] : [];
        throw new UserErrorException($"--grid {nameOrPath}: no such file or shipped sweep (shipped: {string.Join(", ", names)})");
    }

    /// <summary>The sweep file's "config": a file relative to the sweep file's folder, else a preset name.</summary>
    public static string BaseConfig(string gridPath, string config)
    {
        string relative = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(gridPath))!, config);
        return File.Exists(relative) ? relative : Presets.Resolve(config);
    }

    /// <summary>--cell I, or `array`: the job array's task id.</summary>
    public static int CellIndex(string cell, Func<string, string?> environment)
    {
        string text = cell;
        if (cell == "array")
            text = environment("SLURM_ARRAY_TASK_ID") is { Length: > 0 } id ? id
                : throw new UserErrorException("--cell array: SLURM_ARRAY_TASK_ID is not set (submit with sbatch --array, or give --cell I)");
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? index
            : throw new UserErrorException($"--cell {cell}{(cell == "array" ? $" (SLURM_ARRAY_TASK_ID={text})" : "")}: expected a cell index (0, 1, ...) or array");
    }
}
