// Accuracy and its standard error as lm-evaluation-harness reports them: the mean of per-item 0/1 scores and the sample
// standard deviation over √n, i.e. √(p(1−p)/(n−1)). acc picks the choice with the highest summed log-likelihood;
// acc_norm divides each by its choice's length in UTF-8 bytes first (the harness divides by the Python string's
// length, which is the same for ASCII text). Ties go to the first choice, as numpy's argmax does. Over one item the
// standard error is undefined (the harness prints N/A): it is left out of the metrics and shown as "± n/a", never as 0.
using System.Globalization;
using System.Text;

namespace Rho1.Evaluation.Tasks;

public static class TaskMetrics
{
    /// <summary>The metrics' names: multiple choice reports Acc and AccNorm, generation ExactMatch, each with its standard error (StdErr of it).</summary>
    public const string Acc = "acc", AccNorm = "acc_norm", ExactMatch = "exact_match";

    /// <summary>GSM8K's two harness filters beside our exact_match: the "#### N" answer only, and the last number.</summary>
    public const string StrictMatch = "exact_match_strict", FlexibleExtract = "exact_match_flexible";

    const string StdErrSuffix = "_stderr";

    /// <summary>The name of <paramref name="metric"/>'s standard error.</summary>
    public static string StdErr(string metric) => metric + StdErrSuffix;

    /// <summary>Whether <paramref name="name"/> names a standard error rather than a metric.</summary>
    public static bool IsStdErr(string name) => name.EndsWith(StdErrSuffix, StringComparison.Ordinal);

    /// <summary>Every metric a task can report, standard errors included, in the order summaries list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Acc, StdErr(Acc), AccNorm, StdErr(AccNorm), ExactMatch, StdErr(ExactMatch)];

    /// <summary>The index of the largest value, the first on a tie.</summary>
    public static int ArgMax(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>acc's prediction.</summary>
    public static int Predict(IReadOnlyList<Likelihood> choices) => ArgMax(choices.Select(c => c.LogLikelihood).ToList());

    /// <summary>acc_norm's prediction: log-likelihood per byte of each choice's text.</summary>
    public static int PredictNormalised(IReadOnlyList<Likelihood> choices, IReadOnlyList<string> texts) =>
        ArgMax(choices.Select((c, i) => c.LogLikelihood / Math.Max(1, Encoding.UTF8.GetByteCount(texts[i]))).ToList());

    /// <summary>(mean, standard error of the mean) of 0/1 scores; the error is undefined (NaN) for fewer than two items.</summary>
    public static (double Mean, double StdErr) Accuracy(IReadOnlyList<bool> correct)
    {
        int n = correct.Count;
        if (n == 0) return (double.NaN, double.NaN);
        double p = correct.Count(c => c) / (double)n;
        return (p, n < 2 ? double.NaN : Math.Sqrt(p * (1 - p) / (n - 1)));
    }

    /// <summary>A task's metrics: each mean, and its standard error where one is defined (left out, not 0, for one item).</summary>
    public static Dictionary<string, double> Report(params (string Metric, (double Mean, double StdErr) Value)[] metrics)
    {
        var report = new Dictionary<string, double>();
        foreach (var (metric, (mean, stdErr)) in metrics)
        {
            report[metric] = mean;
            if (double.IsFinite(stdErr)) report[StdErr(metric)] = stdErr;
        }
        return report;
    }

    /// <summary>"± 0.0220", or "± n/a" where the standard error is undefined (one item).</summary>
    public static string PlusMinus(IReadOnlyDictionary<string, double> metrics, string metric) =>
        metrics.TryGetValue(StdErr(metric), out double e) && double.IsFinite(e) ? string.Create(CultureInfo.InvariantCulture, $"± {e:F4}") : "± n/a";
}
