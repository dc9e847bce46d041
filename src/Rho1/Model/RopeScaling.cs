// Rotary frequency scaling of long-context Llamas, as Hugging Face's rope_scaling spells it. "linear" divides every
// frequency by factor; "llama3" (Llama 3.1/3.2) divides the low frequencies (wavelength above
// original_max_position_embeddings / low_freq_factor) by factor, keeps the high ones (wavelength below
// original_max_position_embeddings / high_freq_factor), and ramps linearly in between. Other types are refused.
using System.Text.Json.Serialization;

namespace Rho1.Model;

public sealed record RopeScaling
{
    [JsonPropertyName("rope_type")] public string Type { get; init; } = "";
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1.0;
    [JsonPropertyName("low_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public double LowFreqFactor { get; init; }
    [JsonPropertyName("high_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public double HighFreqFactor { get; init; }
    [JsonPropertyName("original_max_position_embeddings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int OriginalContext { get; init; }

    public void Validate()
    {
        ConfigRule.Require(Type is "linear" or "llama3", "model.rope_scaling.rope_type", Type, "must be linear or llama3 (yarn, dynamic, longrope and others are not supported)");
        ConfigRule.Require(Factor > 0, "model.rope_scaling.factor", Factor, "must be positive");
        if (Type != "llama3") return;
        ConfigRule.Require(LowFreqFactor > 0, "model.rope_scaling.low_freq_factor", LowFreqFactor, "must be positive");
        ConfigRule.Require(HighFreqFactor > LowFreqFactor, "model.rope_scaling.high_freq_factor", HighFreqFactor, $"must exceed low_freq_factor={LowFreqFactor}");
        ConfigRule.Require(OriginalContext > 0, "model.rope_scaling.original_max_position_embeddings", OriginalContext, "must be positive");
    }

    /// <summary>The scaled inverse frequency of one rotary pair whose unscaled inverse frequency is <paramref name="inv"/>.</summary>
    public double Apply(double inv)
    {
        if (Type == "linear") return inv / Factor;
        double wavelength = 2 * Math.PI / inv;
        double lowWavelength = OriginalContext / LowFreqFactor, highWavelength = OriginalContext / HighFreqFactor;
        if (wavelength < highWavelength) return inv;
        if (wavelength > lowWavelength) return inv / Factor;
        double smooth = (OriginalContext / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * inv / Factor + smooth * inv;
    }
}
