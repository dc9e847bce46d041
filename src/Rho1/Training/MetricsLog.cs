// metrics.jsonl (one JSON object per logged step or evaluation) plus TensorBoard scalars. On resume the
// file is cut back to the resumed step, so a resumed run's file equals an uninterrupted run's.
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

    public MetricsLog(string runDir, int resumedStep, bool tensorboard)
    {
        _path = Path.Combine(runDir, "metrics.jsonl");
        if (File.Exists(_path))
        {
            var kept = File.ReadAllLines(_path).Where(l => StepOf(l) is { } s && s <= resumedStep).ToArray();
            AtomicFile.WriteAllText(_path, kept.Length == 0 ? "" : string.Join("\n", kept) + "\n");
        }
        _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (tensorboard)
            _tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(runDir, "tensorboard"));
    }

    public string FilePath => _path;

    public void Write(JsonObject record)
    {
        _writer.WriteLine(record.ToJsonString());
        if (_tensorboard is null || record["step"] is not JsonValue stepValue) return;
        int step = stepValue.GetValue<int>();
        foreach (var (key, value) in record)
            if (key != "step" && value is JsonValue v && v.TryGetValue(out double d))
                _tensorboard.add_scalar(key, (float)d, step);
    }

    static int? StepOf(string line)
    {
        try { return JsonNode.Parse(line)?["step"]?.GetValue<int>(); }
        catch (System.Text.Json.JsonException) { return null; }
        catch (FormatException) { return null; }
    }

    public void Dispose()
    {
        _writer.Dispose();
    }

    public static double Round(double value, int digits = 6) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;
}
