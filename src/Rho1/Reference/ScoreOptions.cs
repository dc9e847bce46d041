// What `rho1 score` is asked to do.
using Rho1.Distributed;

namespace Rho1.Reference;

/// <param name="SeqLen">Window length T; 0 = the reference checkpoint's train.seq_len. Training must use the same.</param>
/// <param name="Precision">fp32 or bf16 compute for the reference forward.</param>
public sealed record ScoreOptions(
    string Reference,
    string DataDir,
    string OutDir,
    string Split = "train",
    int BatchSize = 16,
    int SeqLen = 0,
    string Device = "auto",
    string Precision = "fp32",
    bool Force = false)
{
    /// <summary>Called after each batch with (windows done, windows total).</summary>
    public Action<long, long>? OnProgress { get; init; }

    /// <summary>Seconds between progress saves (flush + progress.json), the work a kill can lose; 0 = after every batch. Default 10.</summary>
    public double SaveEverySeconds { get; init; } = 10;

    /// <summary>Test hook: called after each batch is written, with the window after it.</summary>
    public Action<long>? AfterBatch { get; init; }
    /// <summary>The job's collectives when a launcher started several processes (each scores a share); one process by default.</summary>
    public ICollectives World { get; init; } = SingleProcess.Instance;
    /// <summary>This process's rank and the job's processes on its host: --device auto or cuda picks cuda:LocalRank.</summary>
    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
}
