// What a training run is asked to do: config, data, output, device and resume policy. Built by the CLI.
using Rho1.Distributed;
using Rho1.Evaluation.Tasks;
using Rho1.Training.Configuration;

namespace Rho1.Training;

/// <summary>Options of one training run.</summary>
/// <param name="Resume">null: fresh run; "auto": newest complete checkpoint in OutDir (fresh if none); else a checkpoint directory.</param>
/// <param name="Force">Replace an existing run in OutDir.</param>
public sealed record TrainOptions(
    RunConfig Config,
    string DataDir,
    string OutDir,
    string Device = "auto",
    string? Resume = null,
    bool Force = false,
    bool TensorBoard = true)
{
    /// <summary>Dataset to evaluate on instead of the training data's val split (its val split, else its train split).</summary>
    public string? EvalDataDir { get; init; }

    /// <summary>Task files (JSONL or Parquet; docs/evaluation.md) evaluated with the held-out loss at every train.eval_every.</summary>
    public IReadOnlyList<string> EvalTasks { get; init; } = [];

    /// <summary>How EvalTasks are evaluated (shots, batching, generation limits).</summary>
    public TaskSettings EvalTaskSettings { get; init; } = new();

    /// <summary>Evaluate the first N items of each of EvalTasks; 0 = all.</summary>
    public int EvalTaskLimit { get; init; }

    /// <summary>Called after every step with progress figures (the CLI draws a bar from it).</summary>
    public Action<TrainProgress>? OnProgress { get; init; }

    /// <summary>Also print the per-log-step lines on the console (they always go to train.log); off when a progress bar shows them.</summary>
    public bool StepLinesOnConsole { get; init; } = true;

    /// <summary>
    /// Decide "skip this update" on the device, so that a step reads nothing back to the host except at log steps
    /// (non-finite steps are then reported, and max_bad_steps enforced, at the next log step). Null: on CUDA only,
    /// where a host read stalls the GPU; on the CPU a read costs nothing and the host decides at once.
    /// </summary>
    public bool? DeviceSideSkip { get; init; }

    /// <summary>
    /// Start from this model instead of random weights (a Rho1 checkpoint or run directory, or a Hugging Face Llama
    /// directory): the model.* section comes from it, the optimizer starts fresh. Ignored when the run resumes.
    /// </summary>
    public string? Init { get; init; }

    /// <summary>The keys given with --set (e.g. "model.dim"), so that one conflicting with the --init model can be named.</summary>
    public IReadOnlyList<string> SetKeys { get; init; } = [];

    /// <summary>Settings a resumed run may change besides the always-mutable ones ("train.lr", "objective.reference", ...): see ResumeCheck.</summary>
    public IReadOnlyList<string> AllowChange { get; init; } = [];

    /// <summary>
    /// The job's collectives when several processes train one model (data parallel): each takes its rows of every global
    /// batch of train.batch_size, gradients are averaged, and rank 0 alone writes the run directory.
    /// </summary>
    public ICollectives World { get; init; } = SingleProcess.Instance;

    /// <summary>This process's rank on its host: --device auto or cuda picks cuda:LocalRank.</summary>
    public int LocalRank { get; init; }

    /// <summary>Processes of this job on this host (an explicit cuda:N is refused when there are several).</summary>
    public int LocalSize { get; init; } = 1;

    /// <summary>Let a reference that trains during the run train on the evaluation data (refused by default).</summary>
    public bool AllowEvalOverlap { get; init; }

    /// <summary>Test hook: called after each completed step, before checkpointing.</summary>
    public Action<int>? AfterStep { get; init; }
}

public sealed record TrainProgress(int Step, int Steps, double? Loss, double TokensPerSecond, TimeSpan Eta);
