// Options shared by the training verbs (train-ref, train, sweep, bench-step): config, data, output, overrides,
// resume. Declared once here; each verb adds the ones it takes and builds its options record from them.
using System.CommandLine;
using System.Globalization;
using Rho1.Training;
using Rho1.Training.Configuration;

namespace Rho1.Cli.Commands;

public sealed class TrainingArguments
{
    public readonly Option<string> Config = new("--config", "-c") { Description = $"Config file (a run's config.json too), or a preset name from configs/ ({string.Join(", ", Presets.Names)}).", Required = true };
    public readonly Option<string> Data = new("--data", "-d") { Description = "Prepared dataset directory (from `rho1 prepare`).", Required = true };
    public readonly Option<string> Out = new("--out", "-o") { Description = "Run directory to create.", Required = true };
    public readonly Option<string[]> Set = new("--set") { Description = "Override a config key: section.key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string?> Resume = new("--resume") { Description = "auto (newest complete checkpoint in --out, or start fresh) or a checkpoint directory." };
    public readonly Option<bool> Force = new("--force") { Description = "Replace an existing run in --out." };
    public readonly Option<string?> EvalData = new("--eval-data") { Description = "Evaluate on this prepared dataset (e.g. clean held-out text) instead of --data's val split." };
    public readonly Option<string[]> EvalTask = new("--eval-task") { Description = "Task file (JSONL or Parquet, docs/evaluation.md) scored at every evaluation; accuracy in metrics.jsonl and summary.json. Repeatable.", AllowMultipleArgumentsPerToken = false };
    public readonly Option<int> EvalTaskLimit = new("--eval-task-limit") { Description = "Score the first N items of each --eval-task; 0 = all.", DefaultValueFactory = _ => 0 };
    public readonly Option<int> EvalFewShot = new("--eval-few-shot") { Description = "Few-shot examples before each --eval-task item.", DefaultValueFactory = _ => 0 };
    public readonly Option<string> EvalSequenceStart = new("--eval-sequence-start")
    {
        Description = "How --eval-task sequences start: harness (as lm-evaluation-harness, nothing prepended) or document (the end-of-document id first).",
        DefaultValueFactory = _ => Rho1.Evaluation.Tasks.TaskPrompt.Harness,
    };
    public readonly Option<string?> EvalLayout = new("--eval-layout")
    {
        Description = "Item layout of every --eval-task (docs/evaluation.md), for a file whose fields fit several [default: recognised from the first item].",
    };
    public readonly Option<string?> EvalBatches = new("--eval-batches") { Description = "Held-out batches per evaluation (train.eval_batches), or all for the whole split." };
    public readonly Option<int?> Zero = new("--zero") { Description = "1: shard the AdamW state over the job's ranks (train.zero=1: 1/N of the moments per rank; same updates); 2: the fp32 master weights too, with bf16 weights and gradients on every rank (train.zero=2)." };
    public readonly Option<string> Device = GlobalOptions.Device();
    public readonly Option<int?> Threads = GlobalOptions.Threads();
    public readonly Option<string?> Init = new("--init")
    {
        Description = "Start from this model instead of random weights: a Rho1 checkpoint or run directory, or a Hugging Face Llama directory " +
            "(config.json + safetensors). Its shape replaces the preset's model.*; the optimizer starts fresh. On resume, the checkpoint's weights " +
            "are read instead, and a --init of another shape is refused, so the command that started the run resumes it.",
    };
    public readonly Option<string?> HfExport = new("--hf-export")
    {
        Description = "Also write a Hugging Face directory (safetensors, config.json, tokenizer files) into RUN/hf/ at every checkpoint " +
            "(checkpoints) or at the given steps (1000,5000), and of the final model (train.hf_export).",
    };
    public readonly Option<string[]> AllowChange = new("--allow-change")
    {
        Description = "With --resume: let this setting differ from the checkpoint's (e.g. train.lr, selection.ratio, objective.reference); " +
            "recorded in config.json with the step it took effect. Repeatable. train.steps (extended) and the log/eval/checkpoint cadence may always change.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Adds every option (train-ref, train, sweep).</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Config, Data, Out, Set, Resume, Force, EvalData, EvalBatches, EvalTask, EvalTaskLimit, EvalFewShot, EvalSequenceStart, EvalLayout, Zero, Init, HfExport, Device, Threads, AllowChange })
            command.Options.Add(option);
    }

    /// <summary>Adds config, data, output, overrides and device only (verbs that neither resume nor evaluate).</summary>
    public void AddCoreTo(Command command)
    {
        foreach (var option in new Option[] { Config, Data, Out, Set, Device, Threads })
            command.Options.Add(option);
    }

    /// <summary>The preset or file with --set overrides, then <paramref name="extra"/> (overrides the verb's own flags imply, applied last).</summary>
    /// <remarks>A flag and a --set of the same key with different values are refused: neither silently wins.</remarks>
    public RunConfig LoadConfig(ParseResult parse, IEnumerable<string>? extra = null)
    {
        string[] set = parse.GetValue(Set) ?? [];
        var implied = EvalBatchesOverride(parse).Concat(ZeroOverride(parse)).Concat(HfExportOverride(parse)).Concat(extra ?? []).ToList();
        foreach (string assignment in implied)
        {
            string key = assignment[..assignment.IndexOf('=')];
            string? flag = FlagOf.GetValueOrDefault(key);
            if (set.FirstOrDefault(a => a.StartsWith(key + "=", StringComparison.Ordinal) && !SameValue(a[(key.Length + 1)..], assignment[(key.Length + 1)..])) is { } conflict)
                throw new UserErrorException($"--set {conflict} conflicts with {flag ?? "a flag"}, which sets {assignment}; give one of them");
        }
        return ConfigLoader.Load(Presets.Resolve(parse.GetValue(Config)!), set.Concat(implied));
    }

    /// <summary>The flag behind each config key a flag sets, for the conflict message.</summary>
    static readonly Dictionary<string, string> FlagOf = new(StringComparer.Ordinal)
    {
        ["train.zero"] = "--zero", ["train.hf_export"] = "--hf-export", ["train.eval_batches"] = "--eval-batches", ["train.activation_checkpointing"] = "--activation-checkpointing",
        ["selection.ratio"] = "--ratio", ["selection.select"] = "--select", ["selection.score"] = "--score", ["selection.slm_start"] = "--slm-start",
        ["selection.ref_refresh_every"] = "--ref-refresh", ["selection.weighting"] = "--soft", ["selection.temperature"] = "--soft",
    };

    static bool SameValue(string a, string b) =>
        a == b || (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double x)
            && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out double y) && x == y);

    IEnumerable<string> HfExportOverride(ParseResult parse) => parse.GetResult(HfExport) is null || parse.GetValue(HfExport) is not { } e ? [] : [$"train.hf_export={e}"];

    IEnumerable<string> ZeroOverride(ParseResult parse) => parse.GetResult(Zero) is null || parse.GetValue(Zero) is not { } z ? [] : [$"train.zero={z}"];

    /// <summary>--eval-batches N|all as the train.eval_batches override it stands for (all = 0, the whole split).</summary>
    IEnumerable<string> EvalBatchesOverride(ParseResult parse) => parse.GetResult(EvalBatches) is null ? [] : parse.GetValue(EvalBatches) switch
    {
        null => [],
        "all" => ["train.eval_batches=0"],
        var n when int.TryParse(n, out int b) && b > 0 => [$"train.eval_batches={b}"],
        var n => throw new UserErrorException($"--eval-batches {n}: give a positive number of batches or all"),
    };

    /// <summary>The --eval-task settings: files, item limit, shots.</summary>
    public (IReadOnlyList<string> Tasks, int Limit, Rho1.Evaluation.Tasks.TaskSettings Settings) TaskOptions(ParseResult parse) =>
        parse.GetResult(EvalTask) is null ? ([], 0, new()) : (parse.GetValue(EvalTask) ?? [], parse.GetValue(EvalTaskLimit),
            new Rho1.Evaluation.Tasks.TaskSettings(FewShot: parse.GetValue(EvalFewShot)) { SequenceStart = SequenceStart(parse), Layout = parse.GetValue(EvalLayout) });

    string SequenceStart(ParseResult parse)
    {
        string start = parse.GetValue(EvalSequenceStart)!;
        Rho1.Evaluation.Tasks.TaskPrompt.Validate(start);
        return start;
    }

    /// <summary>The keys given with --set (section.key), for the checks that need to know what the user asked for.</summary>
    public IReadOnlyList<string> SetKeys(ParseResult parse) => [.. (parse.GetValue(Set) ?? []).Select(s => s.Split('=')[0])];

    /// <summary>The options of one training run, with a progress bar on the terminal.</summary>
    public TrainOptions Build(ParseResult parse, IEnumerable<string>? extra = null)
    {
        var progress = new ProgressBar();
        var evalTasks = TaskOptions(parse);
        return new TrainOptions(LoadConfig(parse, extra), parse.GetValue(Data)!, parse.GetValue(Out)!, parse.GetValue(Device)!, parse.GetValue(Resume), parse.GetValue(Force))
        {
            EvalDataDir = parse.GetValue(EvalData),
            EvalTasks = evalTasks.Tasks,
            EvalTaskLimit = evalTasks.Limit,
            EvalTaskSettings = evalTasks.Settings,
            AllowChange = parse.GetValue(AllowChange) ?? [],
            Init = parse.GetValue(Init),
            SetKeys = SetKeys(parse),
            World = Job.Current.WorldFor(parse.GetValue(Device)!),
            LocalRank = Job.Current.Launch.LocalRank,
            LocalSize = Job.Current.Launch.LocalSize,
            StepLinesOnConsole = Console.IsErrorRedirected,
            OnProgress = p => progress.Draw((double)p.Step / p.Steps,
                $"step {p.Step}/{p.Steps}{(p.Loss is { } l ? $" loss {l:F4}" : "")} {p.TokensPerSecond:N0} tok/s ETA {ProgressBar.Format(p.Eta)}", force: p.Step == p.Steps),
        };
    }
}
