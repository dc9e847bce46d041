// metrics.jsonl (one JSON object per logged step or evaluation) plus TensorBoard scalars. On resume the
// file is cut back to the resumed step, so a resumed run's file equals an uninterrupted run's. A non-finite
// value (a skipped step's NaN loss) is written as null: JSON has no NaN, and the run must not die logging it.
using System.Globalization;
using System.Text.Json.Nodes;
using Rho1.IO;
using TorchSharp.Modules;

namespace Rho1.Training;

public sealed class MetricsLog : IDisposable
{
    readonly string _path;
    readonly StreamWriter _writer;
    readonly SummaryWriter? _tensorboard;
    readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);

    public MetricsLog(string runDir, int resumedStep, bool tensorboard)
    {
        _path = Path.Combine(runDir, "metrics.jsonl");
        if (File.Exists(_path))
        {
            // A line cut short by a kill does not parse and is dropped with the lines past the checkpoint.
            var kept = File.ReadAllLines(_path).Where(l => StepOf(l) is { } s && s <= resumedStep).ToArray();
            AtomicFile.WriteAllText(_path, kept.Length == 0 ? "" : string.Join("\n", kept) + "\n");
            foreach (string line in kept)
                Remember(JsonNode.Parse(line)!.AsObject());
        }
        _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (tensorboard)
            _tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(runDir, "tensorboard"));
    }

    public string FilePath => _path;

    /// <summary>The last finite value logged under <paramref name="key"/>, before or after a resume; null if none.</summary>
    public double? Last(string key) => _last.TryGetValue(key, out double v) ? v : null;

    public void Write(JsonObject record)
    {
        foreach (var (key, value) in record.ToList())
            if (Number(value) is { } d && !double.IsFinite(d))
                record[key] = null;
        _writer.WriteLine(record.ToJsonString());
        Remember(record);
        if (_tensorboard is null || record["step"] is not JsonValue stepValue) return;
        int step = stepValue.GetValue<int>();
        foreach (var (key, value) in record)
            if (key != "step" && value is JsonValue v && v.TryGetValue(out double d))
                _tensorboard.add_scalar(key, (float)d, step);
    }

    void Remember(JsonObject record)
    {
        foreach (var (key, value) in record)
            if (Number(value) is { } d)
                _last[key] = d;
    }

    /// <summary>A numeric JSON value as a double, whatever CLR type it was created from; null for anything else.</summary>
    static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out float f)) return f;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out int i)) return i;
        return null;
    }

    static int? StepOf(string line)
    {
        try { return JsonNode.Parse(line)?["step"]?.GetValue<int>(); }
        catch (System.Text.Json.JsonException) { return null; }
        catch (FormatException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    public void Dispose()
    {
        _writer.Dispose();
    }

    public static double Round(double value, int digits = 6) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;
}
