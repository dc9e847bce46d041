// What `rho1 eval` is asked to do.

namespace Rho1.Evaluation;

/// <param name="Model">Checkpoint or run directory.</param>
/// <param name="DataDir">Prepared dataset.</param>
/// <param name="Split">val or train; null = val, or the only split that holds tokens (a held-out set prepared with --val-fraction 0).</param>
/// <param name="SeqLen">Window length; 0 = the checkpoint's train.seq_len.</param>
/// <param name="MaxBatches">Stop after this many batches; 0 = the whole split.</param>
public sealed record EvalOptions(string Model, string DataDir, string? Split = null, string Device = "auto", int BatchSize = 16, int SeqLen = 0, int MaxBatches = 0)
{
    /// <summary>Called after each batch with (windows done, windows in all).</summary>
    public Action<long, long>? OnProgress { get; init; }

    /// <summary>The job's ranks when a launcher started several: each evaluates its share of the batches.</summary>
    public Rho1.Distributed.ICollectives World { get; init; } = Rho1.Distributed.SingleProcess.Instance;
    /// <summary>This process's rank and rank count on its host: --device auto or cuda picks cuda:LocalRank.</summary>
    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
}
