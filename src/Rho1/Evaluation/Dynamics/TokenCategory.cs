// The four token-loss trajectories of the Rho-1 paper's analysis (section 2.1).

namespace Rho1.Evaluation.Dynamics;

public enum TokenCategory
{
    /// <summary>High loss that stays high: H→H.</summary>
    HighToHigh,
    /// <summary>Low loss that rises: L→H.</summary>
    LowToHigh,
    /// <summary>High loss that falls: H→L, the tokens being learned.</summary>
    HighToLow,
    /// <summary>Low loss that stays low: L→L, already learned.</summary>
    LowToLow,
}
