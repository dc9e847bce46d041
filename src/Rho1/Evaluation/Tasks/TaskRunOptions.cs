// What `rho1 eval --task` is asked to do.

namespace Rho1.Evaluation.Tasks;

/// <param name="Model">Checkpoint, run or Hugging Face directory.</param>
/// <param name="Tasks">Task files (JSONL or Parquet).</param>
/// <param name="FewShotFrom">Few-shot pools, one per task in the same order; empty = each task's own other items.</param>
/// <param name="Limit">Evaluate the first N items of each task; 0 = all.</param>
/// <param name="TaskOutput">Directory for one TASK.jsonl of per-item records each; null = none.</param>
/// <param name="DataDir">Dataset whose tokenizer to use; null = the model's own.</param>
public sealed record TaskRunOptions(string Model, IReadOnlyList<string> Tasks, TaskSettings Settings, IReadOnlyList<string>? FewShotFrom = null, int Limit = 0,
    string? TaskOutput = null, string Device = "auto", string? DataDir = null)
{
    /// <summary>A layout name for every task file instead of recognising it (--layout); null: recognised from the first item.</summary>
    public string? Layout { get; init; }

    /// <summary>Called with the task's name as its evaluation starts (a progress display starts its clock there).</summary>
    public Action<string>? OnTaskStart { get; init; }

    /// <summary>Called with (task, items done, items) as scoring progresses.</summary>
    public Action<string, int, int>? OnProgress { get; init; }

    /// <summary>The job's ranks when a launcher started several: each evaluates its share of the batches; rank 0 writes --task-output.</summary>
    public Rho1.Distributed.ICollectives World { get; init; } = Rho1.Distributed.SingleProcess.Instance;
    /// <summary>This process's rank and rank count on its host: --device auto or cuda picks cuda:LocalRank.</summary>
    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
}
