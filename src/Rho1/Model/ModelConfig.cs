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

    // Switches of the Llama-family variants (Mistral, Llama 3.x, Qwen2/2.5, Qwen3). Left out of the JSON at their
    // defaults, so a plain Llama's config (and every checkpoint written before they existed) reads and writes unchanged.

    /// <summary>Which Hugging Face architecture export writes: llama, mistral, qwen2 or qwen3 (null: llama). No effect on the math.</summary>
    [JsonPropertyName("family"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Family { get; init; }
    /// <summary>Head size HD when it is not dim / heads (Qwen3, Mistral-Nemo); 0 means dim / heads.</summary>
    [JsonPropertyName("head_dim"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int ExplicitHeadDim { get; init; }
    /// <summary>Biases on the query, key and value projections (Qwen2/2.5); none on the output projection or the MLP.</summary>
    [JsonPropertyName("qkv_bias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool QkvBias { get; init; }
    /// <summary>An RMSNorm over each head of q and of k before the rotation (Qwen3).</summary>
    [JsonPropertyName("qk_norm"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool QkNorm { get; init; }
    /// <summary>Rotary frequency scaling (Llama 3.1/3.2's "llama3", or "linear"); null: unscaled.</summary>
    [JsonPropertyName("rope_scaling"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public RopeScaling? RopeScaling { get; init; }
    /// <summary>Mistral's attention window; 0: none. Rho1 attends causally over the whole window, so sequences may not exceed it.</summary>
    [JsonPropertyName("sliding_window"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int SlidingWindow { get; init; }

    [JsonIgnore] public int HeadDim => ExplicitHeadDim > 0 ? ExplicitHeadDim : Dim / Heads;
    [JsonIgnore] public int EffectiveKvHeads => KvHeads == 0 ? Heads : KvHeads;

    public void Validate()
    {
        ConfigRule.Require(VocabSize > 0, "model.vocab_size", VocabSize, "must be positive (or 0 in a preset, to take it from the dataset)");
        ConfigRule.Require(ContextLength > 0, "model.context_length", ContextLength, "must be positive");
        ConfigRule.Require(Dim > 0, "model.dim", Dim, "must be positive");
        ConfigRule.Require(Layers > 0, "model.layers", Layers, "must be positive");
        ConfigRule.Require(Heads > 0 && (ExplicitHeadDim > 0 || Dim % Heads == 0), "model.heads", Heads, $"must divide model.dim={Dim} (or set model.head_dim)");
        ConfigRule.Require(ExplicitHeadDim >= 0, "model.head_dim", ExplicitHeadDim, "must be positive (or 0 for dim / heads)");
        ConfigRule.Require(Family is null or "llama" or "mistral" or "qwen2" or "qwen3", "model.family", Family ?? "", "must be llama, mistral, qwen2 or qwen3");
        ConfigRule.Require(SlidingWindow >= 0, "model.sliding_window", SlidingWindow, "must be positive (or 0 for none)");
        RopeScaling?.Validate();
        ConfigRule.Require(HeadDim % 2 == 0, "model.heads", Heads, $"head size dim/heads={HeadDim} must be even for rotary embeddings");
        ConfigRule.Require(KvHeads >= 0 && Heads % EffectiveKvHeads == 0, "model.kv_heads", KvHeads, $"must divide model.heads={Heads}");
        ConfigRule.Require(FfnDim > 0, "model.ffn_dim", FfnDim, "must be positive");
        ConfigRule.Require(RopeTheta > 0, "model.rope_theta", RopeTheta, "must be positive");
        ConfigRule.Require(NormEps > 0, "model.norm_eps", NormEps, "must be positive");
        ConfigRule.Require(InitStd > 0, "model.init_std", InitStd, "must be positive");
    }
}
