// A sweep file: the axes of an ablation (ratios × selection variants × seeds) over a base config, read as
// strictly as a config (an unknown key or a bad value is refused with the file and line). Cells() expands it
// into the grid's cells in a fixed order, which is what --cell indices and job arrays count on.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rho1.Training.Configuration;

namespace Rho1.Experiments.Grid;

/// <param name="Source">The file it was read from, for messages.</param>
/// <param name="Config">The base config as written ("config"): a path relative to the file, or a preset name; null: --config gives it.</param>
/// <param name="Set">"section.key=value" overrides of the base ("set"), for every cell.</param>
/// <param name="Seeds">train.seed of each repetition; empty: the base config's one seed.</param>
public sealed partial record SweepGrid(string Source, string? Config, IReadOnlyList<string> Set, IReadOnlyList<double> Ratios,
    IReadOnlyList<GridVariant> Variants, IReadOnlyList<long> Seeds)
{
    static readonly string[] Keys = ["description", "config", "set", "ratios", "variants", "seeds"];

    public static SweepGrid Load(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"--grid {path}: no such file");
        string text = File.ReadAllText(path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON ({e.Message.Split(". ")[0]})", e);
        }
        if (node is not JsonObject file)
            throw new UserErrorException($"{path}: expected a JSON object with \"ratios\" (and \"variants\", \"seeds\", \"config\", \"set\")");
        string At(string key) => $"{path}:{ConfigLoader.LineOf(text, key)}";
        foreach (var (key, _) in file)
            if (!Keys.Contains(key))
                throw new UserErrorException($"{At(key)}: unknown key '{key}' (known: {string.Join(", ", Keys)})");

        string? config = file["config"] is null ? null
            : file["config"]!.GetValueKind() == JsonValueKind.String ? file["config"]!.GetValue<string>()
            : throw new UserErrorException($"{At("config")}: config: expected a preset name or a path relative to this file");
        var set = Assignments(file["set"], "set", At, path, text);
        if (set.FirstOrDefault(a => a.StartsWith("selection.ratio=", StringComparison.Ordinal) || a.StartsWith("train.seed=", StringComparison.Ordinal)) is { } axis)
            throw new UserErrorException($"{At("set")}: set: {axis.Split('=')[0]} is an axis of the grid; list it in \"ratios\" or \"seeds\"");

        if (file["ratios"] is not JsonArray ratioArray || ratioArray.Count == 0)
            throw new UserErrorException($"{At("ratios")}: ratios: expected a non-empty list of selection ratios in (0, 1], e.g. [0.6, 1.0] (1.0: the plain baseline)");
        var ratios = ratioArray.Select(r => r?.GetValueKind() == JsonValueKind.Number && r.GetValue<double>() is > 0 and <= 1 ? r.GetValue<double>()
            : throw new UserErrorException($"{At("ratios")}: ratios: {r?.ToJsonString() ?? "null"} is not a ratio in (0, 1]")).ToList();
        if (ratios.GroupBy(Sweep.RunName).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UserErrorException($"{At("ratios")}: ratios: {twice.Key} is listed twice (ratios name their cells to two decimals)");

        var variants = new List<GridVariant>();
        if (file["variants"] is JsonObject variantObject)
        {
            foreach (var (name, value) in variantObject)
            {
                if (!VariantName().IsMatch(name) || name == GridCell.Plain)
                    throw new UserErrorException($"{At(name)}: variant '{name}': a name of lower-case letters, digits, '-' and '_' (not '{GridCell.Plain}', the baseline's)");
                var overrides = Assignments(value, $"variant '{name}'", At, path, text);
                if (overrides.FirstOrDefault(a => !a.StartsWith("selection.", StringComparison.Ordinal) || a.StartsWith("selection.ratio=", StringComparison.Ordinal)) is { } other)
                    throw new UserErrorException($"{At(name)}: variant '{name}': {other.Split('=')[0]}: a variant sets selection.* keys other than the ratio; " +
                        "put other settings in \"set\" (every cell)");
                variants.Add(new GridVariant(name, overrides));
            }
            if (variants.Count == 0) throw new UserErrorException($"{At("variants")}: variants: name at least one, e.g. {{\"hard\": {{}}}}");
        }
        else if (file["variants"] is not null)
            throw new UserErrorException($"{At("variants")}: variants: expected an object of named selection overrides, e.g. {{\"hard\": {{}}, \"soft\": {{\"selection.weighting\": \"soft\"}}}}");
        else
            variants.Add(new GridVariant("base", []));

        var seeds = new List<long>();
        if (file["seeds"] is JsonArray seedArray)
            foreach (var s in seedArray)
                seeds.Add(s?.GetValueKind() == JsonValueKind.Number && long.TryParse(s.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out long seed) ? seed
                    : throw new UserErrorException($"{At("seeds")}: seeds: {s?.ToJsonString() ?? "null"} is not a non-negative integer"));
        else if (file["seeds"] is not null)
            throw new UserErrorException($"{At("seeds")}: seeds: expected a list of integers, e.g. [1, 2, 3]");
        if (seeds.Distinct().Count() != seeds.Count)
            throw new UserErrorException($"{At("seeds")}: seeds: a seed is listed twice");
        return new SweepGrid(path, config, set, ratios, variants, seeds);
    }

    /// <summary>
    /// Every cell in order: for each ratio, each variant (one "plain" cell at ratio 1.0), each seed. The config of a cell is
    /// the base, then "set", the variant, <paramref name="overrides"/> (the command line's), then the cell's ratio and seed.
    /// </summary>
    public IReadOnlyList<GridCell> Cells(string basePath, IReadOnlyList<string> overrides)
    {
        if (overrides.FirstOrDefault(a => a.StartsWith("selection.ratio=", StringComparison.Ordinal) || a.StartsWith("train.seed=", StringComparison.Ordinal)) is { } axis)
            throw new UserErrorException($"--set {axis}: {axis.Split('=')[0]} is an axis of --grid {Source}; change its \"ratios\" or \"seeds\" instead");
        var seeds = Seeds.Count > 0 ? Seeds : [ConfigLoader.Load(basePath, Set.Concat(overrides)).Train.Seed];
        var cells = new List<GridCell>();
        foreach (double ratio in Ratios)
            foreach (var variant in ratio >= 1 ? [new GridVariant(GridCell.Plain, [])] : Variants)
                foreach (long seed in seeds)
                {
                    string[] axes = [string.Create(CultureInfo.InvariantCulture, $"selection.ratio={ratio:R}"), string.Create(CultureInfo.InvariantCulture, $"train.seed={seed}")];
                    var config = ConfigLoader.Load(basePath, Set.Concat(variant.Overrides).Concat(overrides).Concat(axes));
                    try { config.Selection.Validate(); }
                    catch (UserErrorException e) { throw new UserErrorException($"{Source}: variant '{variant.Name}' at ratio {ratio:0.00}: {e.Message}", e); }
                    cells.Add(new GridCell(cells.Count, ratio, variant.Name, seed, config));
                }
        return cells;
    }

    /// <summary>An object of "section.key": value pairs as "section.key=value" overrides, each checked against the config's keys.</summary>
    static List<string> Assignments(JsonNode? node, string what, Func<string, string> at, string path, string text)
    {
        if (node is null) return [];
        if (node is not JsonObject pairs)
            throw new UserErrorException($"{at(what.Split(' ')[0])}: {what}: expected an object of config keys, e.g. {{\"train.steps\": 40}}");
        var defaults = ConfigLoader.ToNode(new RunConfig());
        var list = new List<string>();
        foreach (var (key, value) in pairs)
        {
            string raw = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "null";
            string assignment = $"{key}={raw}";
            try { ConfigLoader.ApplyOverride(defaults, assignment); }
            catch (UserErrorException e)
            {
                string reason = e.Message.StartsWith("--set ", StringComparison.Ordinal) ? e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..] : e.Message;
                throw new UserErrorException($"{path}:{ConfigLoader.LineOf(text, key)}: {what}: {key}: {reason}", e);
            }
            list.Add(assignment);
        }
        return list;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex VariantName();
}
