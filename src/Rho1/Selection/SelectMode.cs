// Over which tokens the top k% is taken (config selection.select, flag --select).

namespace Rho1.Selection;

public enum SelectMode
{
    /// <summary>Top k% of the whole batch (the paper).</summary>
    Batch,
    /// <summary>Top k% of each sequence (the open_lm reimplementation).</summary>
    Sequence,
    /// <summary>Tokens above a running threshold that tracks the batch cutoff (see RunningThreshold).</summary>
    Global,
}
