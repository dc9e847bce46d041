// `rho1 plan`: bytes per rank of a training run before it starts, from the model's shapes and the run's settings, with
// the same rules the trainer follows: fp32 weights and gradients on every rank; AdamW's two fp32 moments on every rank,
// or 1/N of them plus 1/N of the averaged gradient with train.zero=1; bf16 copies of the matmul weights when computing
// in bf16; with train.zero=2 in bf16, bf16 weights and gradients on every rank and 1/N of fp32 masters, moments and
// gradient sum (4 + 16/N bytes per parameter; in fp32 it is zero=1); the activations autograd keeps (counted per token and layer from the decoder's operations, or only the
// block inputs plus one block's under activation checkpointing); the output layer's logits, their log-softmax and
// gradient over every position, or over train.loss_chunk_tokens positions with the output layer's gradient workspace;
// a tied embedding's second dense gradient; and the process's own baseline.
// Measured against peak RSS in docs/performance.md ("Memory plan against measurement").
using Rho1.Model;
using Rho1.Training.Configuration;

namespace Rho1.Training;

/// <summary>One line of a plan: what, and its bytes per rank.</summary>
public sealed record PlanItem(string Component, double Bytes);

/// <param name="Items">Components in the order the table shows them.</param>
/// <param name="Parameters">Parameter count (tied embeddings once).</param>
/// <param name="MicroTokens">Tokens of one micro-batch on one rank.</param>
/// <param name="LossChunk">Positions of the output layer computed at a time (train.loss_chunk_tokens resolved); 0: all.</param>
/// <param name="Zero">The ZeRO stage planned (train.zero: 0, 1 or 2).</param>
public sealed record MemoryPlanResult(IReadOnlyList<PlanItem> Items, long Parameters, long MicroTokens, int World, int Zero, bool Checkpointing, string Device, string Precision, long LossChunk)
{
    public double Total => Items.Sum(i => i.Bytes);

    /// <summary>Bytes per parameter of the static state (weights, gradients, optimizer, casts).</summary>
    public double BytesPerParameter => Items.Where(i => StaticState.Contains(i.Component)).Sum(i => i.Bytes) / Parameters;

    static readonly string[] StaticState = ["weights (fp32)", "gradients (fp32)", "weights (bf16)", "gradients (bf16)", "master weights shard (fp32)",
        "AdamW moments (fp32)", "gradient shard (fp32)", "bf16 weight copies"];
}

public static class MemoryPlan
{
    /// <summary>The process before any tensor: .NET and libtorch (CPU: measured peak RSS of a 2-layer run's fixed part), or the CUDA context.</summary>
    public const double CpuBaselineBytes = 420e6, CudaBaselineBytes = 600e6;

    /// <summary>The plan of <paramref name="config"/> on <paramref name="world"/> ranks (config.Train.Zero, ActivationCheckpointing, LossChunkTokens apply).</summary>
    public static MemoryPlanResult Compute(RunConfig config, int world, string device = "cpu")
    {
        if (world < 1) throw new UserErrorException($"--world {world}: must be >= 1");
        var (m, t) = (config.Model, config.Train);
        if (m.VocabSize <= 0) throw new UserErrorException("model.vocab_size is 0 (the dataset's): give --vocab-size N, or --init a model");
        if (t.BatchSize % world != 0) throw new UserErrorException($"train.batch_size={t.BatchSize} does not divide among --world {world} ranks");
        long p = Parameters(m), casts = MatmulParameters(m);
        bool bf16 = t.Precision == "bf16" || (t.Precision == "auto" && (device == "cuda" || Platform.CpuFeatures.HasNativeBf16(Platform.CpuFeatures.CpuFlags)));
        int s = bf16 ? 2 : 4; // bytes per value in the compute dtype
        long n = (long)(t.BatchSize / world) * t.SeqLen; // tokens of one micro-batch on one rank
        double layer = PerTokenLayer(m, bf16);
        bool masters = t.Zero == 2 && bf16; // in fp32 the working weights are the masters: zero=2 is zero=1
        var items = masters
            ? new List<PlanItem> { new("weights (bf16)", 2.0 * p), new("gradients (bf16)", 2.0 * p), new("master weights shard (fp32)", 4.0 * Shard(p, world)) }
            : new List<PlanItem> { new("weights (fp32)", 4.0 * p), new("gradients (fp32)", 4.0 * p) };
        if (t.Zero >= 1)
        {
            items.Add(new("AdamW moments (fp32)", 8.0 * Shard(p, world)));
            items.Add(new("gradient shard (fp32)", 4.0 * Shard(p, world)));
        }
        else
            items.Add(new("AdamW moments (fp32)", 8.0 * p));
        if (bf16 && !masters) items.Add(new("bf16 weight copies", 2.0 * casts));
        if (world > 1 || masters) // zero=2 converts each bucket of bf16 gradients to fp32 on a communicator of one too
            items.Add(new("communication buckets", 2 * 4.0 * Math.Min(p, Distributed.GradientBuckets.DefaultElements)));
        items.Add(t.ActivationCheckpointing
            ? new PlanItem("activations (block inputs + one block)", n * (m.Layers * 4.0 * m.Dim + layer))
            : new PlanItem("activations", n * m.Layers * layer));
        if (t.ActivationCheckpointing && device == "cuda") // TorchSharp's custom function keeps an empty_like of each output: on CUDA
            items.Add(new("checkpointed blocks' output caches", n * m.Layers * 4.0 * m.Dim)); // real memory, on a CPU untouched pages
        items.Add(new("backward workspace (one block)", n * layer));
        long chunk = ChunkedTokenLoss.Resolve(t.LossChunkTokens, m.VocabSize);
        if (chunk > 0)
        {
            // ChunkedTokenLoss: one chunk's logits in the compute dtype and their fp32 copy (bf16 only); in backward the output
            // layer's gradient summed in fp32 (handed to the fp32 weight as it is), and with bf16 its per-chunk product,
            // staged into fp32 8 MB at a time.
            long positions = Math.Min(n, chunk);
            items.Add(new($"logits ({positions:N0} positions at a time)", positions * (double)m.VocabSize * (s + (bf16 ? 4 : 0))));
            items.Add(new("output layer gradient workspace", (double)m.VocabSize * m.Dim * (4 + (bf16 ? 2 : 0)) + (bf16 ? 8 << 20 : 0)));
        }
        else // the logits in the compute dtype, their fp32 copy (bf16 only), the saved log-softmax and the gradient of the logits
            items.Add(new("logits", n * (double)m.VocabSize * (s + (bf16 ? 4 : 0) + 4 + 4)));
        if (m.TiedEmbeddings) // the lookup's gradient and the output layer's, each a dense (V, C) in the weights' dtype, meet before accumulation
            items.Add(new("tied embedding's second gradient", (masters ? 2.0 : 4.0) * m.VocabSize * m.Dim));
        items.Add(new(device == "cuda" ? "CUDA context" : "process baseline (.NET, libtorch)", device == "cuda" ? CudaBaselineBytes : CpuBaselineBytes));
        return new MemoryPlanResult(items, p, n, world, t.Zero, t.ActivationCheckpointing, device, bf16 ? "bf16" : "fp32", chunk);
    }

    /// <summary>Values autograd keeps per token and layer, in bytes: the block input and residual (fp32), each norm's normalised
    /// input and output (the output's compute-dtype copy), rotated q, k, v, the attention output and its log-sum-exp,
    /// the attention's projection input, and the MLP's gate, its SiLU, up and their product.</summary>
    public static double PerTokenLayer(ModelConfig m, bool bf16)
    {
        int s = bf16 ? 2 : 4;
        double c = m.Dim, qDim = m.Heads * m.HeadDim;
        double norms = 2 * (4 * c + (bf16 ? 2 : 4) * c);
        double attention = 5 * s * qDim + 4 * m.Heads; // q, k and v as attention reads them (k, v repeated to every head), its output twice

        return 4 * c + 4 * c + norms + attention + 4.0 * s * m.FfnDim;
    }

    /// <summary>The model's parameter count from its config, as Transformer builds it.</summary>
    public static long Parameters(ModelConfig m)
    {
        long c = m.Dim, v = m.VocabSize, f = m.FfnDim, q = (long)m.Heads * m.HeadDim, kv = (long)m.EffectiveKvHeads * m.HeadDim;
        long block = 2 * c + c * q + 2 * c * kv + q * c + 3 * c * f + (m.QkvBias ? q + 2 * kv : 0) + (m.QkNorm ? 2L * m.HeadDim : 0);
        return v * c * (m.TiedEmbeddings ? 1 : 2) + m.Layers * block + c;
    }

    /// <summary>Parameters that enter a matmul (cast to bf16 when computing in bf16): all but the norms.</summary>
    static long MatmulParameters(ModelConfig m) => Parameters(m) - (2L * m.Dim * m.Layers + m.Dim) - (m.QkNorm ? 2L * m.HeadDim * m.Layers : 0)
        - (m.TiedEmbeddings ? 0 : (long)m.VocabSize * m.Dim); // an untied embedding is only indexed, never multiplied

    static long Shard(long p, int world) => (p + world - 1) / world;
}
