// `rho1 eval`: loss, perplexity and bits per byte of a checkpoint on a prepared split (--data), and/or accuracy on
// downstream tasks (--task), in one load of the model each.
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rho1.Evaluation;
using Rho1.Evaluation.Tasks;

namespace Rho1.Cli.Commands;

public sealed class EvalCommand
{
    readonly Option<string> _model = new("--model", "-m") { Description = "Checkpoint, run or Hugging Face directory.", Required = true };
    readonly Option<string?> _data = new("--data", "-d") { Description = "Prepared dataset: held-out loss, perplexity, bits/byte (and the tokenizer --task uses, if given)." };
    readonly Option<string?> _split = new("--split") { Description = "val or train. [default: val, or the only split with tokens, e.g. held-out data prepared with --val-fraction 0]" };
    readonly Option<int> _batch = new("--batch-size") { Description = "Windows (or task sequences) per forward pass.", DefaultValueFactory = _ => 16 };
    readonly Option<int> _seqLen = new("--seq-len") { Description = "Window length; 0 = the model's training seq_len.", DefaultValueFactory = _ => 0 };
    readonly Option<int> _maxBatches = new("--max-batches") { Description = "Stop after N batches; 0 = the whole split.", DefaultValueFactory = _ => 0 };
    readonly Option<string[]> _task = new("--task") { Description = "Task file (JSONL or Parquet; layouts in docs/evaluation.md); repeatable.", AllowMultipleArgumentsPerToken = false };
    readonly Option<int> _fewShot = new("--few-shot") { Description = "Solved examples before each item.", DefaultValueFactory = _ => 0 };
    readonly Option<string[]> _fewShotFrom = new("--fewshot-from") { Description = "Few-shot pool per --task, in order [default: the task's other items]." };
    readonly Option<string?> _layout = new("--layout") { Description = "Item layout of every --task (docs/evaluation.md), for a file whose fields fit several [default: recognised from the first item]." };
    readonly Option<int> _limit = new("--limit") { Description = "First N items of each task; 0 = all.", DefaultValueFactory = _ => 0 };
    readonly Option<string?> _taskOutput = new("--task-output") { Description = "Directory for TASK.jsonl: per-item log-likelihoods or generations and predictions." };
    readonly Option<long> _seed = new("--seed") { Description = "Seed of the few-shot draw.", DefaultValueFactory = _ => 1234 };
    readonly Option<int> _maxGenTokens = new("--max-gen-tokens") { Description = "Token limit of generated answers; 0 = 256 or half the model's context, whichever is smaller.", DefaultValueFactory = _ => 0 };
    readonly Option<string[]> _until = new("--until") { Description = "Stop string of generation; repeatable [default: the layout's, docs/evaluation.md]." };
    readonly Option<string?> _answerRegex = new("--answer-regex") { Description = "Regex whose first group is a generation's answer [default: \"#### N\", else the last number]." };
    readonly Option<string> _sequenceStart = new("--sequence-start")
    {
        Description = "How task sequences start: harness (as lm-evaluation-harness v0.4 frames a causal model: nothing prepended, the end-of-text id " +
            "before an empty context) or document (the end-of-document id first, as a Rho1 training document).",
        DefaultValueFactory = _ => Rho1.Evaluation.Tasks.TaskPrompt.Harness,
    };
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("eval",
            "Evaluate a checkpoint: loss, perplexity, bits per byte and tokens evaluated on a prepared split (--data); accuracy with standard errors on task files (--task).\n\n" +
            "Examples:\n  rho1 eval --model runs/slm60 --data data/clean-heldout\n  rho1 eval --model runs/ref/final --data data/clean --split train --json\n" +
            "  rho1 eval --model runs/slm60 --task tasks/brown-next.jsonl --task tasks/arc-easy.parquet --few-shot 5 --task-output out/")
        {
            _model, _data, _split, _batch, _seqLen, _maxBatches, _task, _fewShot, _fewShotFrom, _layout, _limit, _taskOutput, _seed, _maxGenTokens, _until, _answerRegex,
            _sequenceStart, _json, _device, _threads,
        };
        _sequenceStart.AcceptOnlyFromAmong(Rho1.Evaluation.Tasks.TaskPrompt.Harness, Rho1.Evaluation.Tasks.TaskPrompt.Document);
        _split.AcceptOnlyFromAmong("val", "train");
        command.Validators.Add(r =>
        {
            if (r.GetValue(_data) is null && (r.GetValue(_task) ?? []).Length == 0)
                r.AddError("give --data (held-out loss) or --task (accuracy), or both");
        });
        command.SetAction(parse => Run(parse.GetValue(_data) is null ? null : Options(parse) with { OnProgress = new PeriodicProgress("eval", "windows").Report },
            TaskOptions(parse), parse.GetValue(_json), parse.InvocationConfiguration.Output));
        return command;
    }

    public EvalOptions Options(ParseResult parse) =>
        new(parse.GetValue(_model)!, parse.GetValue(_data)!, parse.GetValue(_split), parse.GetValue(_device)!, parse.GetValue(_batch),
            parse.GetValue(_seqLen), parse.GetValue(_maxBatches))
        {
            World = Job.Current.WorldFor(parse.GetValue(_device)!), LocalRank = Job.Current.Launch.LocalRank, LocalSize = Job.Current.Launch.LocalSize,
        };

    public TaskRunOptions? TaskOptions(ParseResult parse)
    {
        var tasks = parse.GetValue(_task) ?? [];
        if (tasks.Length == 0) return null;
        var until = parse.GetValue(_until) is { Length: > 0 } u ? u.Select(System.Text.RegularExpressions.Regex.Unescape).ToArray() : null;
        var settings = new TaskSettings(parse.GetValue(_fewShot), parse.GetValue(_seed), parse.GetValue(_batch), parse.GetValue(_maxGenTokens), until, parse.GetValue(_answerRegex))
        {
            SequenceStart = parse.GetValue(_sequenceStart)!,
        };
        var progress = new Dictionary<string, PeriodicProgress>();
        return new TaskRunOptions(parse.GetValue(_model)!, tasks, settings, parse.GetValue(_fewShotFrom), parse.GetValue(_limit), parse.GetValue(_taskOutput),
            parse.GetValue(_device)!, parse.GetValue(_data))
        {
            Layout = parse.GetValue(_layout),
            World = Job.Current.WorldFor(parse.GetValue(_device)!), LocalRank = Job.Current.Launch.LocalRank, LocalSize = Job.Current.Launch.LocalSize,
            OnTaskStart = task => progress[task] = new PeriodicProgress($"eval {task}", "sequences"), // its rate counts from the task's start
            OnProgress = (task, done, all) =>
            {
                if (!progress.TryGetValue(task, out var p)) progress[task] = p = new PeriodicProgress($"eval {task}", "sequences");
                p.Report(done, all);
            },
        };
    }

    static int Run(EvalOptions? heldOut, TaskRunOptions? tasks, bool json, TextWriter o)
    {
        // Task files are read and checked once, before the held-out evaluation spends any time.
        var loaded = tasks is null ? null : TaskRun.Load(tasks.Tasks, tasks.FewShotFrom, tasks.Limit, tasks.Settings.FewShot, tasks.Layout);
        var loss = heldOut is null ? null : CheckpointEvaluation.Run(heldOut);
        var results = tasks is null || loaded is null ? [] : TaskRun.Run(tasks, loaded);
        if (Job.Current.Launch.Rank != 0) return ExitCodes.Success; // every rank has the figures; rank 0 reports them
        if (json)
        {
            if (results.Count == 0)
                o.WriteLine(JsonSerializer.Serialize(loss));
            else
            {
                var all = new JsonObject { ["tasks"] = JsonSerializer.SerializeToNode(results) };
                if (loss != null) all["held_out"] = JsonSerializer.SerializeToNode(loss);
                o.WriteLine(all.ToJsonString());
            }
            return ExitCodes.Success;
        }
        if (loss != null)
            o.WriteLine($"loss {loss.Loss:F4}  perplexity {loss.Perplexity:F2}  bits/byte {loss.BitsPerByte:F4}  tokens {loss.Tokens:N0}");
        foreach (var r in results)
            o.WriteLine($"{r.Task} ({r.Layout}): {r.Describe()}");
        return ExitCodes.Success;
    }
}
