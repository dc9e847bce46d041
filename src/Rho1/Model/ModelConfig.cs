// Shape of the Llama-style decoder. Immutable; JSON names are the config file's keys (section "model").
// Validate() is called before any tensor is allocated, so a bad preset fails with the key at fault.
using System.Text.Json.Serialization;

namespace Rho1.Model;

public sealed record ModelConfig
{
    /// <summary>Vocabulary size V; 0 means "take it from the dataset".</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    /// <summary>Longest sequence the model accepts (rotary tables are built for it).</summary>
    [JsonPropertyName("context_length")] public int ContextLength { get; init; } = 256;
    /// <summary>Model width C.</summary>
    [JsonPropertyName("dim")] public int Dim { get; init; } = 128;
    /// <summary>Number of decoder blocks L.</summary>
    [JsonPropertyName("layers")] public int Layers { get; init; } = 2;
    /// <summary>Query heads NH; head size is dim / heads.</summary>
    [JsonPropertyName("heads")] public int Heads { get; init; } = 4;
    /// <summary>Key/value heads NKV (grouped-query attention); 0 means equal to heads.</summary>
    [JsonPropertyName("kv_heads")] public int KvHeads { get; init; }
    /// <summary>SwiGLU hidden width F.</summary>
    [JsonPropertyName("ffn_dim")] public int FfnDim { get; init; } = 344;
    /// <summary>Rotary base frequency.</summary>
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    /// <summary>RMSNorm epsilon.</summary>
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-5;
    /// <summary>Share the input embedding with the output projection.</summary>
    [JsonPropertyName("tied_embeddings")] public bool TiedEmbeddings { get; init; } = true;
    /// <summary>Standard deviation of the normal initialisation.</summary>
    [JsonPropertyName("init_std")] public double InitStd { get; init; } = 0.02;

    [JsonIgnore] public int HeadDim => Dim / Heads;
    [JsonIgnore] public int EffectiveKvHeads => KvHeads == 0 ? Heads : KvHeads;

    public void Validate()
    {
        ConfigRule.Require(VocabSize > 0, "model.vocab_size", VocabSize, "must be positive (or 0 in a preset, to take it from the dataset)");
        ConfigRule.Require(ContextLength > 0, "model.context_length", ContextLength, "must be positive");
        ConfigRule.Require(Dim > 0, "model.dim", Dim, "must be positive");
        ConfigRule.Require(Layers > 0, "model.layers", Layers, "must be positive");
        ConfigRule.Require(Heads > 0 && Dim % Heads == 0, "model.heads", Heads, $"must divide model.dim={Dim}");
        ConfigRule.Require(HeadDim % 2 == 0, "model.heads", Heads, $"head size dim/heads={HeadDim} must be even for rotary embeddings");
        ConfigRule.Require(KvHeads >= 0 && Heads % EffectiveKvHeads == 0, "model.kv_heads", KvHeads, $"must divide model.heads={Heads}");
        ConfigRule.Require(FfnDim > 0, "model.ffn_dim", FfnDim, "must be positive");
        ConfigRule.Require(RopeTheta > 0, "model.rope_theta", RopeTheta, "must be positive");
        ConfigRule.Require(NormEps > 0, "model.norm_eps", NormEps, "must be positive");
        ConfigRule.Require(InitStd > 0, "model.init_std", InitStd, "must be positive");
    }
}
