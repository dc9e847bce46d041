// Optimisation knobs (config section "train"). Immutable; every key is overridable with --set train.KEY=VALUE.
using System.Text.Json.Serialization;
using Rho1.Model;
using static TorchSharp.torch;

namespace Rho1.Training.Configuration;

public sealed record TrainConfig
{
    /// <summary>Optimizer steps to run.</summary>
    [JsonPropertyName("steps")] public int Steps { get; init; } = 200;
    /// <summary>Sequences per micro-batch B.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 8;
    /// <summary>Tokens per sequence T (at most model.context_length).</summary>
    [JsonPropertyName("seq_len")] public int SeqLen { get; init; } = 64;
    /// <summary>Micro-batches per optimizer step.</summary>
    [JsonPropertyName("grad_accum")] public int GradAccum { get; init; } = 1;
    /// <summary>Peak learning rate.</summary>
    [JsonPropertyName("lr")] public double Lr { get; init; } = 1e-3;
    /// <summary>Final learning rate as a fraction of the peak.</summary>
    [JsonPropertyName("min_lr_ratio")] public double MinLrRatio { get; init; } = 0.1;
    /// <summary>Linear warm-up steps.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 20;
    /// <summary>cosine, wsd (warmup-stable-decay) or constant.</summary>
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "cosine";
    /// <summary>wsd only: fraction of steps spent in the final linear decay.</summary>
    [JsonPropertyName("decay_fraction")] public double DecayFraction { get; init; } = 0.2;
    /// <summary>Decoupled weight decay on matrices (norm weights are never decayed).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("beta1")] public double Beta1 { get; init; } = 0.9;
    [JsonPropertyName("beta2")] public double Beta2 { get; init; } = 0.95;
    [JsonPropertyName("eps")] public double Eps { get; init; } = 1e-8;
    /// <summary>Clip the global gradient norm to this; 0 disables.</summary>
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 1.0;
    /// <summary>Evaluate on the validation split every N steps (and at the end); 0 = only at the end.</summary>
    [JsonPropertyName("eval_every")] public int EvalEvery { get; init; } = 50;
    /// <summary>Validation batches (of batch_size windows) per evaluation, the first ones of the split, so every evaluation sees the same tokens; 0 = the whole split.</summary>
    [JsonPropertyName("eval_batches")] public int EvalBatches { get; init; } = 8;
    /// <summary>Write a metrics line every N steps.</summary>
    [JsonPropertyName("log_every")] public int LogEvery { get; init; } = 10;
    /// <summary>Checkpoint every N steps; 0 = only the final one.</summary>
    [JsonPropertyName("checkpoint_every")] public int CheckpointEvery { get; init; } = 100;
    /// <summary>Step checkpoints kept (older ones are deleted).</summary>
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 3;
    /// <summary>Seed of weights, data order and random selection.</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;
    /// <summary>fp32, bf16 (bf16 compute, fp32 master weights and optimizer state), or auto: bf16 on CUDA and on CPUs with native bf16, else fp32.</summary>
    [JsonPropertyName("precision")] public string Precision { get; init; } = "fp32";
    /// <summary>Peak GFLOP/s for MFU; 0 = measure with a matmul at start.</summary>
    [JsonPropertyName("peak_gflops")] public double PeakGflops { get; init; }
    /// <summary>Stop with an error after this many consecutive non-finite steps.</summary>
    [JsonPropertyName("max_bad_steps")] public int MaxBadSteps { get; init; } = 5;
    /// <summary>Data parallel on NCCL: seconds a collective may wait for the other ranks before this rank names it and ends the job; 0 = for ever.</summary>
    [JsonPropertyName("collective_timeout_s")] public double CollectiveTimeoutS { get; init; } = 600;
    /// <summary>Positions whose output layer and cross-entropy are computed at a time (recomputed in backward), so that memory holds
    /// (this, V) logits instead of (B·T, V); 0 = all at once; -1 (auto, the default) = 512 for vocabularies of 8,192 or more, else 0.
    /// Equal to the unchunked losses up to summation order, and the faster path on a CPU for large vocabularies (docs/performance.md).</summary>
    [JsonPropertyName("loss_chunk_tokens")] public int LossChunkTokens { get; init; } = -1;
    /// <summary>Recompute each decoder block's activations in backward (one block's stored at a time): less memory, one more forward.</summary>
    [JsonPropertyName("activation_checkpointing")] public bool ActivationCheckpointing { get; init; }
    /// <summary>ZeRO stage under a launcher: 0 = every rank keeps all AdamW state; 1 = each of N ranks keeps 1/N of the moments,
    /// gradients are reduce-scattered and weights all-gathered (same updates; checkpoints load at any world size); 2 = also the
    /// fp32 master weights are 1/N per rank, and every rank holds weights and gradients in the compute dtype only (bf16: 4 + 16/N
    /// bytes per parameter; each micro-batch's gradient reduce-scattered into the fp32 sum; in fp32 the same as 1).</summary>
    [JsonPropertyName("zero")] public int Zero { get; init; }
    /// <summary>Dtype of gradients on the wire in data-parallel averaging: fp32, or bf16 (half the bytes; each rank's gradient
    /// rounded to bfloat16 once, relative error at most 2^-8 per value, before the mean is taken in fp32 over MPI).</summary>
    [JsonPropertyName("grad_reduce_dtype")] public string GradReduceDtype { get; init; } = "fp32";
    /// <summary>CUDA: fp32 matmuls on TF32 tensor cores (10-bit mantissa inputs). Off for parity checks against the CPU; no effect on the CPU.</summary>
    [JsonPropertyName("tf32")] public bool Tf32 { get; init; } = true;

    /// <summary>Hugging Face copies of the model in RUN/hf/ as it trains: "" none; "checkpoints" at every train.checkpoint_every step;
    /// or steps, "1000,5000"; with either, also the final model. Changes nothing about training.</summary>
    [JsonPropertyName("hf_export")] public string HfExport { get; init; } = "";

    /// <summary>Whether a Hugging Face copy is due after <paramref name="step"/> (<paramref name="periodic"/>: a checkpoint_every step).</summary>
    public bool HfExportDue(int step, bool final, bool periodic) => HfExport switch
    {
        "" => false,
        "checkpoints" => final || periodic,
        _ => final || HfExportSteps().Contains(step),
    };

    IEnumerable<int> HfExportSteps() => HfExport.Split(',').Select(s => int.TryParse(s.Trim(), System.Globalization.NumberStyles.None,
        System.Globalization.CultureInfo.InvariantCulture, out int step) && step > 0 ? step : -1);

    /// <summary>Precision parsed into the dtype activations and matmuls use (validate first).</summary>
    [JsonIgnore] public ScalarType ComputeType => ComputePrecision.Parse(Precision);

    public void Validate(int contextLength)
    {
        ConfigRule.Require(Steps > 0, "train.steps", Steps, "must be positive");
        ConfigRule.Require(BatchSize > 0, "train.batch_size", BatchSize, "must be positive");
        ConfigRule.Require(SeqLen > 0, "train.seq_len", SeqLen, "must be positive");
        ConfigRule.Require(SeqLen <= contextLength, "train.seq_len", SeqLen, $"exceeds model.context_length={contextLength}");
        ConfigRule.Require(GradAccum > 0, "train.grad_accum", GradAccum, "must be positive");
        ConfigRule.Require(Lr > 0 && double.IsFinite(Lr), "train.lr", Lr, "must be positive");
        ConfigRule.Require(MinLrRatio >= 0 && MinLrRatio <= 1, "train.min_lr_ratio", MinLrRatio, "must be in [0, 1]");
        ConfigRule.Require(WarmupSteps >= 0, "train.warmup_steps", WarmupSteps, "must be >= 0");
        ConfigRule.Require(Schedule is "cosine" or "wsd" or "constant", "train.schedule", Schedule, "must be cosine, wsd or constant");
        ConfigRule.Require(DecayFraction > 0 && DecayFraction <= 1, "train.decay_fraction", DecayFraction, "must be in (0, 1]");
        ConfigRule.Require(WeightDecay >= 0, "train.weight_decay", WeightDecay, "must be >= 0");
        ConfigRule.Require(Beta1 >= 0 && Beta1 < 1, "train.beta1", Beta1, "must be in [0, 1)");
        ConfigRule.Require(Beta2 >= 0 && Beta2 < 1, "train.beta2", Beta2, "must be in [0, 1)");
        ConfigRule.Require(Eps > 0, "train.eps", Eps, "must be positive");
        ConfigRule.Require(GradClip >= 0, "train.grad_clip", GradClip, "must be >= 0");
        ConfigRule.Require(EvalEvery >= 0, "train.eval_every", EvalEvery, "must be >= 0");
        ConfigRule.Require(EvalBatches >= 0, "train.eval_batches", EvalBatches, "must be >= 0 (0 = the whole split)");
        ConfigRule.Require(LogEvery > 0, "train.log_every", LogEvery, "must be positive");
        ConfigRule.Require(CheckpointEvery >= 0, "train.checkpoint_every", CheckpointEvery, "must be >= 0");
        ConfigRule.Require(KeepCheckpoints > 0, "train.keep_checkpoints", KeepCheckpoints, "must be positive");
        ConfigRule.Require(ComputePrecision.IsKnown(Precision), "train.precision", Precision, "must be fp32, bf16 or auto");
        ConfigRule.Require(PeakGflops >= 0, "train.peak_gflops", PeakGflops, "must be >= 0");
        ConfigRule.Require(MaxBadSteps > 0, "train.max_bad_steps", MaxBadSteps, "must be positive");
        ConfigRule.Require(Zero is 0 or 1 or 2, "train.zero", Zero, "must be 0 (no sharding), 1 (optimizer state sharded over ranks) or 2 (master weights too)");
        ConfigRule.Require(GradReduceDtype is "fp32" or "bf16", "train.grad_reduce_dtype", GradReduceDtype, "must be fp32 or bf16");
        ConfigRule.Require(!(Zero == 1 && GradReduceDtype == "bf16"), "train.grad_reduce_dtype", GradReduceDtype, "bf16 reduction is not implemented with train.zero=1 (its reduce-scatter is fp32)");
        ConfigRule.Require(LossChunkTokens >= -1, "train.loss_chunk_tokens", LossChunkTokens, "must be >= -1 (-1 = auto, 0 = no chunking)");
        ConfigRule.Require(HfExport is "" or "checkpoints" || HfExportSteps().All(step => step > 0), "train.hf_export", HfExport,
            "must be empty, checkpoints, or steps separated by commas (e.g. 1000,5000)");
        ConfigRule.Require(CollectiveTimeoutS >= 0 && double.IsFinite(CollectiveTimeoutS), "train.collective_timeout_s", CollectiveTimeoutS, "must be >= 0 (0 = wait for ever)");
    }
}
