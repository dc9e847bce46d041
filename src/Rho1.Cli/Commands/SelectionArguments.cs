// The selection flags of `train` and `sweep`: where the reference comes from and how tokens are chosen.
// Flags become selection.* overrides, so the resolved config (and checkpoint) records them.
using System.CommandLine;
using System.Globalization;

namespace Rho1.Cli.Commands;

public sealed class SelectionArguments
{
    public readonly Option<string?> Ref = new("--ref") { Description = "Reference checkpoint (or run directory): reference losses computed online each step." };
    public readonly Option<string?> RefScores = new("--ref-scores") { Description = "Score directory from `rho1 score`: reference losses read offline." };
    public readonly Option<int?> RefRefresh = new("--ref-refresh")
    {
        Description = "Keep training the online reference (--ref) during the run: 10 steps on clean data every N steps, at the learning rate its own " +
            "schedule ended on (see docs/results.md). Sets selection.ref_refresh_every=N; selection.ref_refresh_steps and ref_refresh_lr tune it.",
    };
    public readonly Option<string?> RefData = new("--ref-data")
    {
        Description = "Clean prepared data a refreshing reference trains on. [default: the data the --ref run was trained on]",
    };
    public readonly Option<bool> AllowEvalOverlap = new("--allow-eval-overlap")
    {
        Description = "Let a refreshing reference train on the data the run is evaluated on (refused by default: its held-out numbers would not be held out).",
    };
    public readonly Option<double?> Ratio = new("--ratio") { Description = "Fraction k of tokens trained on, in (0, 1]; 1.0 is plain training. [default: config, 1.0]" };
    public readonly Option<string?> Select = new("--select") { Description = "batch (paper), sequence (per sequence) or global (running threshold)." };
    public readonly Option<string?> Score = new("--score") { Description = "excess (paper: training minus reference loss), loss, ref or random." };
    public readonly Option<double?> SlmStart = new("--slm-start") { Description = "Train plainly for this fraction of steps first." };
    public readonly Option<double?> Soft = new("--soft")
    {
        Description = "Soft selection: weight each token by a sigmoid around the top-k cutoff, T standard deviations of the batch's scores wide " +
            "(0.2 did best in docs/results.md), instead of a 0/1 mask. Sets selection.weighting=soft and selection.temperature=T.",
    };

    public SelectionArguments()
    {
        Select.AcceptOnlyFromAmong("batch", "sequence", "global");
        Score.AcceptOnlyFromAmong("excess", "loss", "ref", "random");
    }

    /// <summary>Adds --ref and --ref-scores only.</summary>
    public void AddReferencesTo(Command command)
    {
        command.Options.Add(Ref);
        command.Options.Add(RefScores);
    }

    public void AddTo(Command command, bool withRatio = true)
    {
        foreach (var option in new Option[] { Ref, RefScores, RefRefresh, RefData, AllowEvalOverlap, Select, Score, SlmStart, Soft })
            command.Options.Add(option);
        if (withRatio) command.Options.Add(Ratio);
    }

    /// <summary>
    /// The selection flags given, as written, in the order of the help (then --set selection.* keys but the ratio), for the
    /// rule that a flag without effect at ratio 1.0 is an error.
    /// </summary>
    public IReadOnlyList<string> Given(ParseResult parse, IEnumerable<string> setKeys)
    {
        var given = new List<string>();
        foreach (var option in new Option[] { Ref, RefScores, RefRefresh, RefData, Select, Score, SlmStart, Soft })
            if (parse.GetResult(option) is { Implicit: false })
                given.Add(option.Name);
        given.AddRange(setKeys.Where(k => k.StartsWith("selection.", StringComparison.Ordinal) && k != "selection.ratio").Select(k => "--set " + k));
        return given;
    }

    public IEnumerable<string> Overrides(ParseResult parse)
    {
        if (parse.GetValue(Ratio) is { } r) yield return "selection.ratio=" + r.ToString("R", CultureInfo.InvariantCulture);
        if (parse.GetValue(Select) is { } s) yield return "selection.select=" + s;
        if (parse.GetValue(Score) is { } c) yield return "selection.score=" + c;
        if (parse.GetValue(SlmStart) is { } f) yield return "selection.slm_start=" + f.ToString("R", CultureInfo.InvariantCulture);
        if (parse.GetValue(RefRefresh) is { } n) yield return "selection.ref_refresh_every=" + n.ToString(CultureInfo.InvariantCulture);
        if (parse.GetValue(Soft) is { } t)
        {
            yield return "selection.weighting=soft";
            yield return "selection.temperature=" + t.ToString("R", CultureInfo.InvariantCulture);
        }
    }
}
