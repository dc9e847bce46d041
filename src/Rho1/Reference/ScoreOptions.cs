// What `rho1 score` is asked to do.

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

    /// <summary>Test hook: called after each batch is written, with the windows done so far.</summary>
    public Action<long>? AfterBatch { get; init; }
}
