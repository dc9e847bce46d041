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

    [JsonIgnore] public bool NeedsReference => Ratio < 1.0 && Score is "excess" or "ref";

    /// <summary>Score parsed (validate first).</summary>
    [JsonIgnore] public ScoreMode ScoreMode => Score switch
    {
        "excess" => ScoreMode.Excess, "loss" => ScoreMode.Loss, "ref" => ScoreMode.Ref, "random" => ScoreMode.Random,
        _ => throw new InvalidOperationException($"selection.score '{Score}' was not validated"),
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
    }
}
