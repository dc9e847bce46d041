// What a resumed run may differ in from the checkpoint it continues: the step budget (extended), the cadence of
// logs, evaluations and checkpoints, and what the user names with --allow-change. Anything else (a learning rate,
// a selection ratio, a reference) is refused, naming each key with both values, since it would change the run
// silently; the model shape can never change. Allowed changes are returned for the run's history.
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Training.Configuration;

namespace Rho1.Training.Runs;

public static class ResumeCheck
{
    /// <summary>Keys that may change when resuming without --allow-change (train.steps only upwards).</summary>
    public static readonly string[] Mutable = ["train.eval_every", "train.log_every", "train.checkpoint_every", "train.keep_checkpoints", "train.collective_timeout_s", "train.loss_chunk_tokens", "train.activation_checkpointing", "train.zero", "train.grad_reduce_dtype", "train.hf_export"];

    /// <summary>Every "section.key" of a config with its JSON value.</summary>
    public static Dictionary<string, JsonNode?> Flatten(RunConfig config)
    {
        var root = ConfigLoader.ToNode(config);
        var flat = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (section, node) in root)
            foreach (var (key, value) in node!.AsObject())
                flat[$"{section}.{key}"] = value?.DeepClone();
        return flat;
    }

    /// <summary>The keys whose values differ, in config order, with the checkpoint's and the requested value.</summary>
    public static List<(string Key, JsonNode? From, JsonNode? To)> Diff(RunConfig checkpoint, RunConfig requested)
    {
        var a = Flatten(checkpoint);
        var b = Flatten(requested);
        return a.Where(kv => !JsonNode.DeepEquals(kv.Value, b.GetValueOrDefault(kv.Key)))
            .Select(kv => (kv.Key, kv.Value, b.GetValueOrDefault(kv.Key))).ToList();
    }

    /// <summary>
    /// Checks <paramref name="requested"/> against the checkpoint's config and reference; returns the changes to record
    /// (step = the checkpoint's step), or throws a UserErrorException listing every change that is not allowed.
    /// </summary>
    public static List<ConfigChange> Check(TrainerState state, RunConfig requested, JsonObject? objective, IReadOnlyCollection<string> allowed, string path)
    {
        var changes = Diff(state.Config, requested);
        if (state.ObjectiveDescription is { } before && objective is not null)
            foreach (string key in new[] { "reference", "ref_scores", "reference_mode", "ref_data" })
                if (!JsonNode.DeepEquals(before[key], objective[key]))
                    changes.Add(($"objective.{key}", before[key]?.DeepClone(), objective[key]?.DeepClone()));
        var shape = changes.Where(c => c.Key.StartsWith("model.", StringComparison.Ordinal)).ToList();
        if (shape.Count > 0)
            throw new UserErrorException($"checkpoint {path} was trained with a different model shape ({Describe(shape)}); resume with the same model.* settings");
        var refused = changes.Where(c => !Allowed(c, allowed)).ToList();
        if (refused.Count > 0)
            throw new UserErrorException($"checkpoint {path} was trained with other settings: {Describe(refused)}; resume with the same settings, " +
                $"or pass {string.Join(" ", refused.Select(c => "--allow-change " + c.Key))} to change them from step {state.Step + 1}");
        return changes.Select(c => new ConfigChange(state.Step + 1, c.Key, c.From, c.To)).ToList();
    }

    static bool Allowed((string Key, JsonNode? From, JsonNode? To) c, IReadOnlyCollection<string> allowed) =>
        allowed.Contains(c.Key) || Mutable.Contains(c.Key)
        || (c.Key == "train.steps" && c.From?.GetValue<int>() <= c.To?.GetValue<int>());

    /// <summary>"key from → to" for each change, comma-separated.</summary>
    public static string Describe(IEnumerable<(string Key, JsonNode? From, JsonNode? To)> changes) =>
        string.Join(", ", changes.Select(c => $"{c.Key} {Json(c.From)} → {Json(c.To)}"));

    static string Json(JsonNode? node) => node is null ? "(none)" : node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
