// The tiny preset as training tests use it (a fixed MFU peak so no test measures matmuls), and readers of a
// run's metrics.jsonl. Shared by the training, selection, reference, export and benchmark tests.
using System.Text.Json.Nodes;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Fixtures;

public static class TinyRun
{
    /// <summary>configs/tiny.json with test defaults, then <paramref name="overrides"/>.</summary>
    public static RunConfig Config(params string[] overrides) => ConfigLoader.Load(
        Path.Combine(AppContext.BaseDirectory, "configs", "tiny.json"),
        new[] { "train.peak_gflops=100", "train.eval_batches=4" }.Concat(overrides));

    /// <summary>A finished plain (CLM) run of <paramref name="steps"/> steps on <paramref name="dataDir"/>, without evaluation; returns its directory.</summary>
    public static string TrainPlain(SyntheticData data, string dataDir, int steps)
    {
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(Config($"train.steps={steps}", "train.eval_every=0"), dataDir, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        return run;
    }

    public static List<JsonObject> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    /// <summary>The values that must match between runs (timings excluded), one line per record.</summary>
    public static string Deterministic(List<JsonObject> metrics) => string.Join("\n", metrics.Select(m =>
        string.Join(",", m.Where(kv => kv.Key is not ("tokens_per_s" or "mfu")).Select(kv => $"{kv.Key}={kv.Value?.ToJsonString()}"))));
}
