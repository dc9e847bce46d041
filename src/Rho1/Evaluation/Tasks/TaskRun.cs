// `rho1 eval --task`: every task file read and checked first, then the model loaded once and each task evaluated in
// turn; per-item records written to --task-output/TASK.jsonl (replaced atomically) when asked. Under a launcher every
// rank evaluates its share of each task's batches and gets every result; rank 0 writes the records.
using System.Text;
using System.Text.Json.Nodes;
using Rho1.IO;
using Rho1.Model.Storage;
using Rho1.Platform;

namespace Rho1.Evaluation.Tasks;

public static class TaskRun
{
    /// <summary>Evaluates every task of <paramref name="o"/>; <paramref name="read"/>: the tasks already read by Load, else they are read here.</summary>
    public static IReadOnlyList<TaskResult> Run(TaskRunOptions o, IReadOnlyList<EvalTask>? read = null)
    {
        var tasks = read ?? Load(o.Tasks, o.FewShotFrom, o.Limit, o.Settings.FewShot);
        if (o.Settings.AnswerRegex is { } regex) AnswerExtraction.Compile(regex);
        if (o.Settings.BatchSize < 1) throw new UserErrorException($"--batch-size {o.Settings.BatchSize}: must be >= 1");
        var dev = DeviceSpec.Resolve(o.Device, o.LocalRank, o.LocalSize);
        var shares = new EvalShares(o.World);
        using var loaded = ModelLoader.Load(o.Model, dev);
        var tokenizer = ModelTokenizer.Find(loaded.Info, o.DataDir);
        if (tasks.Any(t => t.Layout.Kind == TaskKind.Generation))
            GreedyGenerator.Limit(o.Settings.MaxGenTokens, LikelihoodScorer.MaxInput(loaded.Model.Config)); // before the first task, not after it
        var results = new List<TaskResult>();
        foreach (var task in tasks)
        {
            var records = o.TaskOutput != null ? new List<JsonObject>() : null;
            o.OnTaskStart?.Invoke(task.Name);
            results.Add(TaskEvaluator.Evaluate(loaded.Model, tokenizer, task, o.Settings, dev, records, (done, all) => o.OnProgress?.Invoke(task.Name, done, all), shares));
            if (records != null && o.World.Rank == 0)
                WriteRecords(Path.Combine(o.TaskOutput!, task.Name + ".jsonl"), records);
        }
        return results;
    }

    /// <summary>Reads and checks every task (names must differ), pairing each with its few-shot pool when given.</summary>
    /// <param name="layout">A layout for every task file instead of recognising it (--layout); null: recognised.</param>
    public static List<EvalTask> Load(IReadOnlyList<string> paths, IReadOnlyList<string>? fewShotFrom, int limit, int shots, string? layout = null)
    {
        if (paths.Count == 0) throw new UserErrorException("no --task given");
        if (fewShotFrom is { Count: > 0 } && fewShotFrom.Count != paths.Count)
            throw new UserErrorException($"{fewShotFrom.Count} --fewshot-from for {paths.Count} --task: give one per task, in the same order, or none");
        var tasks = paths.Select((p, i) => EvalTask.Load(p, fewShotFrom is { Count: > 0 } ? fewShotFrom[i] : null, limit, shots, layout)).ToList();
        var clash = tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (clash != null)
            throw new UserErrorException($"two tasks are named '{clash.Key}' ({string.Join(", ", clash.Select(t => t.Path))}); tasks are named by file name, so rename one");
        return tasks;
    }

    static void WriteRecords(string path, List<JsonObject> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder();
        foreach (var r in records) text.Append(r.ToJsonString()).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
