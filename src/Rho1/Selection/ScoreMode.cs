// How tokens are ranked for selection (config selection.score, flag --score).

namespace Rho1.Selection;

public enum ScoreMode
{
    /// <summary>Excess loss L_train − L_ref: the Rho-1 paper's score.</summary>
    Excess,
    /// <summary>Training loss alone (ablation).</summary>
    Loss,
    /// <summary>Low reference loss (ablation).</summary>
    Ref,
    /// <summary>Uniform random (ablation).</summary>
    Random,
}
