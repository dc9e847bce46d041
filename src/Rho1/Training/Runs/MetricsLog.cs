// metrics.jsonl (one JSON object per logged step or evaluation) plus TensorBoard scalars. On resume the
// file is cut back to the resumed step, so a resumed run's file equals an uninterrupted run's, and the
// TensorBoard events are rebuilt from it. A non-finite value (a skipped step's NaN loss) is written as null:
// JSON has no NaN, and the run must not die logging it.
using System.Globalization;
using System.Text.Json.Nodes;
using Rho1.IO;
using TorchSharp.Modules;

namespace Rho1.Training.Runs;

public sealed class MetricsLog : IDisposable
{
    readonly string _path;
    readonly StreamWriter _writer;
    readonly SummaryWriter? _tensorboard;
    readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);

    public MetricsLog(string runDir, int resumedStep, bool tensorboard)
    {
        _path = Path.Combine(runDir, "metrics.jsonl");
        var kept = new List<JsonObject>();
        if (File.Exists(_path))
        {
            // A line cut short by a kill does not parse and is dropped with the lines past the checkpoint.
            var lines = new List<string>();
            foreach (string line in File.ReadAllLines(_path))
                if (Parse(line) is { } record && StepOf(record) is { } s && s <= resumedStep)
                {
                    lines.Add(line);
                    kept.Add(record);
                    Remember(record);
                }
            AtomicFile.WriteAllText(_path, lines.Count == 0 ? "" : string.Join("\n", lines) + "\n");
        }
        _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (tensorboard)
        {
            // Event files cannot be cut back like metrics.jsonl, and an interrupted process may have logged steps
            // past the checkpoint that the resumed run logs again. They only mirror metrics.jsonl, so they are
            // rebuilt from its kept lines: the scalars then equal an uninterrupted run's, each step once.
            string dir = Path.Combine(runDir, "tensorboard");
            if (Directory.Exists(dir))
                foreach (string events in Directory.GetFiles(dir, "events.out.tfevents.*"))
                    File.Delete(events);
            _tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(dir);
            foreach (var record in kept)
                AddScalars(record);
        }
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
        AddScalars(record);
    }

    void AddScalars(JsonObject record)
    {
        if (_tensorboard is null || record["step"] is not JsonValue stepValue) return;
        int step = stepValue.GetValue<int>();
        foreach (var (key, value) in record)
            if (key != "step" && Number(value) is { } d)
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

    /// <summary>The line as a JSON object; null for a line a kill cut short (or anything else that is not one).</summary>
    static JsonObject? Parse(string line)
    {
        try { return JsonNode.Parse(line) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    static int? StepOf(JsonObject record)
    {
        try { return record["step"]?.GetValue<int>(); }
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
