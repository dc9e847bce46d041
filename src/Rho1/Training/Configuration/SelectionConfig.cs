// Token-selection knobs (config section "selection"); the CLI flags --ratio, --select, --score and
// --slm-start set these. ratio 1.0 with any score is plain next-token training.
using System.Globalization;
using System.Text.Json.Serialization;
using Rho1.Selection;

namespace Rho1.Training.Configuration;

public sealed record SelectionConfig
{
    /// <summary>Fraction k of tokens that receive gradient, in (0, 1].</summary>
    [JsonPropertyName("ratio")] public double Ratio { get; init; } = 1.0;
    /// <summary>batch (top-k% of the batch), sequence (top-k% of each sequence) or global (running threshold).</summary>
    [JsonPropertyName("select")] public string Select { get; init; } = "batch";
    /// <summary>excess (training minus reference loss), loss (training loss), ref (low reference loss) or random.</summary>
    [JsonPropertyName("score")] public string Score { get; init; } = "excess";
    /// <summary>Fraction of steps trained plainly before selection starts.</summary>
    [JsonPropertyName("slm_start")] public double SlmStart { get; init; }
    /// <summary>global only: how fast the running threshold follows the batch quantile (0..1).</summary>
    [JsonPropertyName("global_momentum")] public double GlobalMomentum { get; init; } = 0.9;
    /// <summary>hard (the paper: a 0/1 mask) or soft (a sigmoid weight around the top-k cutoff; see Selection/SoftSelection).</summary>
    [JsonPropertyName("weighting")] public string Weighting { get; init; } = "hard";
    /// <summary>soft only: the sigmoid's width in standard deviations of the batch's scores (smaller = closer to hard).</summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 0.5;
    /// <summary>constant (the paper), linear or cosine: k moves from ratio_start at the first selecting step to ratio at the last.</summary>
    [JsonPropertyName("ratio_schedule")] public string RatioSchedule { get; init; } = "constant";
    /// <summary>The ratio a linear or cosine schedule starts from, in (0, 1].</summary>
    [JsonPropertyName("ratio_start")] public double RatioStart { get; init; } = 1.0;
    /// <summary>Every this many steps the online reference trains on clean data (--ref-data) for ref_refresh_steps steps; 0 keeps it fixed (the paper).</summary>
    [JsonPropertyName("ref_refresh_every")] public int RefRefreshEvery { get; init; }
    /// <summary>The reference's optimizer steps per refresh, each on one batch of train.batch_size clean windows.</summary>
    [JsonPropertyName("ref_refresh_steps")] public int RefRefreshSteps { get; init; } = 10;
    /// <summary>
    /// The reference's constant learning rate while it refreshes (AdamW with train.beta1/beta2/eps/weight_decay/grad_clip); 0: the rate
    /// its own schedule ended on (its train.lr × train.min_lr_ratio), which a Rho1 checkpoint records and a Hugging Face directory does not.
    /// </summary>
    [JsonPropertyName("ref_refresh_lr")] public double RefRefreshLr { get; init; }

    /// <summary>Whether any step keeps fewer than all tokens: ratio below 1, or a schedule that starts below 1.</summary>
    [JsonIgnore] public bool SelectsAny => Ratio < 1.0 || (RatioSchedule != "constant" && RatioStart < 1.0);

    [JsonIgnore] public bool NeedsReference => SelectsAny && Score is "excess" or "ref";

    /// <summary>Whether the reference keeps training during the run (a "self-evolving" reference).</summary>
    [JsonIgnore] public bool RefreshesReference => RefRefreshEvery > 0;

    /// <summary>Score parsed (validate first).</summary>
    [JsonIgnore] public ScoreMode ScoreMode => Score switch
    {
        "excess" => ScoreMode.Excess, "loss" => ScoreMode.Loss, "ref" => ScoreMode.Ref, "random" => ScoreMode.Random,
        _ => throw new InvalidOperationException($"selection.score '{Score}' was not validated"),
    };

    /// <summary>Whether tokens get a soft weight instead of a 0/1 mask.</summary>
    [JsonIgnore] public bool Soft => Weighting == "soft";

    /// <summary>RatioSchedule parsed (validate first).</summary>
    [JsonIgnore] public RatioScheduleKind ScheduleKind => RatioSchedule switch
    {
        "constant" => RatioScheduleKind.Constant, "linear" => RatioScheduleKind.Linear, "cosine" => RatioScheduleKind.Cosine,
        _ => throw new InvalidOperationException($"selection.ratio_schedule '{RatioSchedule}' was not validated"),
    };

    /// <summary>Select parsed (validate first).</summary>
    [JsonIgnore] public SelectMode SelectMode => Select switch
    {
        "batch" => SelectMode.Batch, "sequence" => SelectMode.Sequence, "global" => SelectMode.Global,
        _ => throw new InvalidOperationException($"selection.select '{Select}' was not validated"),
    };

    public void Validate()
    {
        if (!(Ratio > 0 && Ratio <= 1))
            throw new UserErrorException($"--ratio {Ratio.ToString(CultureInfo.InvariantCulture)}: must be in (0, 1]; 1.0 is plain training");
        if (Select is not ("batch" or "sequence" or "global"))
            throw new UserErrorException($"--select '{Select}': must be batch, sequence or global");
        if (Score is not ("excess" or "loss" or "ref" or "random"))
            throw new UserErrorException($"--score '{Score}': must be excess, loss, ref or random");
        if (!(SlmStart >= 0 && SlmStart < 1))
            throw new UserErrorException($"--slm-start {SlmStart.ToString(CultureInfo.InvariantCulture)}: must be in [0, 1)");
        if (!(GlobalMomentum >= 0 && GlobalMomentum < 1))
            throw new UserErrorException($"selection.global_momentum={GlobalMomentum}: must be in [0, 1)");
        if (Weighting is not ("hard" or "soft"))
            throw new UserErrorException($"selection.weighting='{Weighting}': must be hard or soft");
        if (!(Temperature > 0 && double.IsFinite(Temperature)))
            throw new UserErrorException($"selection.temperature={Temperature.ToString(CultureInfo.InvariantCulture)}: must be a positive number");
        if (RatioSchedule is not ("constant" or "linear" or "cosine"))
            throw new UserErrorException($"selection.ratio_schedule='{RatioSchedule}': must be constant, linear or cosine");
        if (!(RatioStart > 0 && RatioStart <= 1))
            throw new UserErrorException($"selection.ratio_start={RatioStart.ToString(CultureInfo.InvariantCulture)}: must be in (0, 1]");
        if (RefRefreshEvery < 0)
            throw new UserErrorException($"selection.ref_refresh_every={RefRefreshEvery}: must be 0 (a fixed reference) or a number of steps");
        if (RefRefreshSteps < 1)
            throw new UserErrorException($"selection.ref_refresh_steps={RefRefreshSteps}: must be at least 1");
        if (!(RefRefreshLr >= 0 && double.IsFinite(RefRefreshLr)))
            throw new UserErrorException($"selection.ref_refresh_lr={RefRefreshLr.ToString(CultureInfo.InvariantCulture)}: must be a positive number, or 0 for the reference's final learning rate");
    }
}
