// Reads a run's held-out curve back from metrics.jsonl and answers "when did it first reach loss L?".
using System.Text.Json.Nodes;

namespace Rho1.Experiments;

public sealed record CurvePoint(int Step, long Tokens, double ValLoss, double ValBpb);

public static class RunCurve
{
    public static IReadOnlyList<CurvePoint> Read(string runDir)
    {
        string path = Path.Combine(runDir, "metrics.jsonl");
        if (!File.Exists(path)) throw new UserErrorException($"{runDir}: no metrics.jsonl");
        return File.ReadLines(path)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(m => m.ContainsKey("val_loss"))
            .Select(m => new CurvePoint(m["step"]!.GetValue<int>(), m["tokens"]!.GetValue<long>(), m["val_loss"]!.GetValue<double>(), m["val_bpb"]!.GetValue<double>()))
            .ToList();
    }

    /// <summary>(tokens, value) of every evaluation that logged <paramref name="key"/> (a task metric such as "task/NAME/acc").</summary>
    public static IReadOnlyList<(long Tokens, double Value)> ReadMetric(string runDir, string key) =>
        File.ReadLines(Path.Combine(runDir, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(m => m[key] is JsonValue)
            .Select(m => (m["tokens"]!.GetValue<long>(), m[key]!.GetValue<double>()))
            .ToList();

    /// <summary>First evaluated step whose loss is at or below <paramref name="target"/>, or null.</summary>
    public static int? FirstStepReaching(IReadOnlyList<CurvePoint> curve, double target) =>
        curve.FirstOrDefault(p => p.ValLoss <= target)?.Step;
}
