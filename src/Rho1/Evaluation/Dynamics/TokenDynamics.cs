// The trajectory classification as a pure function of a (checkpoints × tokens) loss matrix: fit a line to each
// token's loss against training progress (0 at the first checkpoint, 1 at the last); ΔL is its slope, i.e. the
// fitted change over the whole span. ΔL < −0.2 → H→L, ΔL > 0.2 → L→H; otherwise L→L when the token's final
// loss is at most the mean final loss of all tokens, else H→H.

namespace Rho1.Evaluation.Dynamics;

public static class TokenDynamics
{
    public const double Threshold = 0.2;

    /// <param name="losses">losses[c][i]: loss of token i at checkpoint c.</param>
    /// <param name="progress">Position of each checkpoint in training (e.g. its step); at least two distinct values.</param>
    public static TokenCategory[] Classify(IReadOnlyList<float[]> losses, IReadOnlyList<double> progress)
    {
        int c = losses.Count;
        if (c < 2 || progress.Count != c)
            throw new UserErrorException($"analyze needs at least two checkpoints (got {c})");
        int n = losses[0].Length;
        double lo = progress.Min(), hi = progress.Max();
        if (hi <= lo) throw new UserErrorException("analyze: the checkpoints are all from the same step");
        var x = progress.Select(p => (p - lo) / (hi - lo)).ToArray();
        double xMean = x.Average(), sxx = x.Sum(v => (v - xMean) * (v - xMean));
        double finalMean = losses[c - 1].Average(v => (double)v);
        var result = new TokenCategory[n];
        for (int i = 0; i < n; i++)
        {
            double yMean = 0;
            for (int k = 0; k < c; k++) yMean += losses[k][i];
            yMean /= c;
            double sxy = 0;
            for (int k = 0; k < c; k++) sxy += (x[k] - xMean) * (losses[k][i] - yMean);
            double delta = sxy / sxx;
            result[i] = delta < -Threshold ? TokenCategory.HighToLow
                : delta > Threshold ? TokenCategory.LowToHigh
                : losses[c - 1][i] <= finalMean ? TokenCategory.LowToLow
                : TokenCategory.HighToHigh;
        }
        return result;
    }
}
