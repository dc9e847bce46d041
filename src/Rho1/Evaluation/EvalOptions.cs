// What `rho1 eval` is asked to do.

namespace Rho1.Evaluation;

/// <param name="Model">Checkpoint or run directory.</param>
/// <param name="DataDir">Prepared dataset.</param>
/// <param name="Split">val or train.</param>
/// <param name="SeqLen">Window length; 0 = the checkpoint's train.seq_len.</param>
/// <param name="MaxBatches">Stop after this many batches; 0 = the whole split.</param>
public sealed record EvalOptions(string Model, string DataDir, string Split = "val", string Device = "auto", int BatchSize = 16, int SeqLen = 0, int MaxBatches = 0);
