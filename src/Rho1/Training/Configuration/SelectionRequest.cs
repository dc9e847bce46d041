// The train verb's rule for what the user asked of selection: a flag that only matters when tokens are selected
// must not be given for a run that selects none (ratio 1.0 trains every token, so `--soft 0.2` alone would train a
// plain model that summary.json calls soft), and `train` without a ratio is refused rather than silently plain.
// Sweeps and quickstart build their own configs and do not pass through here.
using System.Globalization;

namespace Rho1.Training.Configuration;

public static class SelectionRequest
{
    /// <param name="selection">The resolved selection section.</param>
    /// <param name="flags">The selection flags given, as the user wrote them (e.g. "--soft", "--set selection.weighting"), in order.</param>
    /// <param name="ratioGiven">Whether --ratio or --set selection.ratio was given.</param>
    public static void Require(SelectionConfig selection, IReadOnlyList<string> flags, bool ratioGiven)
    {
        selection.Validate(); // a ratio out of range is named as such first
        if (selection.SelectsAny) return;
        string ratio = selection.Ratio.ToString("0.###", CultureInfo.InvariantCulture);
        if (flags.Count > 0)
            throw new UserErrorException($"{flags[0]} has no effect at selection.ratio={ratio}, where every token is trained: pass --ratio K below 1 " +
                $"(0.6 was the paper's best at 1B), or leave {flags[0]} out (plain training is `rho1 train-ref`)");
        if (!ratioGiven)
            throw new UserErrorException("rho1 train needs --ratio K, the share of tokens to train on (0.6 was the paper's best at 1B); " +
                "--ratio 1.0 trains every token, as `rho1 train-ref` does");
    }
}
