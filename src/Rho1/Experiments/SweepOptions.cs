// What `rho1 sweep` is asked to do: one training run per selection ratio, same seed and data order.
using Rho1.Training.Configuration;

namespace Rho1.Experiments;

/// <param name="Ratios">Selection ratios in (0, 1]; include 1.0 to get the plain baseline the others are compared with.</param>
/// <param name="RefCheckpoint">Online reference (exclusive with RefScores).</param>
/// <param name="RefScores">Offline reference scores from `rho1 score`.</param>
/// <param name="EvalDataDir">Clean held-out dataset every run is evaluated on.</param>
public sealed record SweepOptions(
    IReadOnlyList<double> Ratios,
    RunConfig Config,
    string DataDir,
    string EvalDataDir,
    string OutDir,
    string? RefCheckpoint,
    string? RefScores,
    string Device = "auto")
{
    /// <summary>Called before each run with (index, count, run directory).</summary>
    public Action<int, int, string>? OnRunStart { get; init; }

    /// <summary>Retrain runs left in OutDir by a sweep with other settings, instead of refusing them.</summary>
    public bool Force { get; init; }

    /// <summary>Every run starts from this model (a Rho1 checkpoint or a Hugging Face Llama directory) instead of random weights.</summary>
    public string? Init { get; init; }

    /// <summary>The config keys given with --set: a model.* among them that disagrees with <see cref="Init"/> is refused.</summary>
    public IReadOnlyList<string> SetKeys { get; init; } = [];

    /// <summary>Clean data that a refreshing online reference (selection.ref_refresh_every) trains on.</summary>
    public string? RefData { get; init; }

    /// <summary>Let a refreshing reference train on the data the runs are evaluated on (--allow-eval-overlap).</summary>
    public bool AllowEvalOverlap { get; init; }
    /// <summary>Batches of the final held-out evaluation of each run; 0 = the whole of EvalDataDir (train.eval_batches governs the per-step curve).</summary>
    public int FinalEvalBatches { get; init; }
    /// <summary>Task files every run is scored on at each evaluation (--eval-task).</summary>
    public IReadOnlyList<string> EvalTasks { get; init; } = [];
    /// <summary>First N items of each task; 0 = all.</summary>
    public int EvalTaskLimit { get; init; }
    /// <summary>How the tasks are evaluated.</summary>
    public Rho1.Evaluation.Tasks.TaskSettings EvalTaskSettings { get; init; } = new();
    /// <summary>The job's ranks when a launcher started the sweep: every run trains data-parallel over them; rank 0 writes the reports.</summary>
    public Rho1.Distributed.ICollectives World { get; init; } = Rho1.Distributed.SingleProcess.Instance;
    /// <summary>This process's rank and rank count on its host (which GPU it uses).</summary>
    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
}
