// Per-token cross-entropy of the output layer without the whole (N, V) logits tensor: the head's matmul, the
// log-sum-exp and the target's logit are computed for a chunk of positions at a time, and in backward each chunk's
// logits are computed again (a custom autograd function), so memory holds one chunk's (chunk, V) at most. With
// Llama 3's or Qwen's vocabularies an 8 × 2048 micro-batch's fp32 logits alone are 8–10 GB. The gradient is the
// closed form (softmax − one-hot) · dL/dloss, cast to the compute dtype as autocast's would be.
//
// It is also the fast path for a large vocabulary (docs/performance.md, "Chunked token losses"). On a CPU the row-wise
// work (log-sum-exp, softmax gradient) runs in CrossEntropyRows, fused, in the logits' own dtype; elsewhere (CUDA) it is
// libtorch's ops. Around the matmuls, three things are avoided, each measured on (128..1024, 50257):
// a fresh tensor above glibc's 32 MB mmap ceiling (faulted in page by page on every chunk: libtorch's logsumexp makes
// one, so the log-sum-exp here is done in place on the chunk's own buffer); libtorch's softmax (17× slower than the
// exp of logits minus the saved log-sum-exp); and an fp32 += bf16 add (143 ms for a (50257, 384) add, against 3 ms for
// a bf16 → fp32 copy and an fp32 add). So every (chunk, V) and (V, C) intermediate lives in a buffer written in place
// (addmm_ with beta 0), allocated once per run when the caller passes a workspace (the model's), else once per call.
// Dimensions: N positions, C width, V vocabulary.
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Model;

public sealed class ChunkedTokenLoss : autograd.SingleTensorFunction<ChunkedTokenLoss>
{
    public override string Name => nameof(ChunkedTokenLoss);

    /// <summary>Positions per chunk unless configured (train.loss_chunk_tokens): the fastest of 64–2048 on (4096, 384, 50257) in fp32 and within 6% of it in bf16.</summary>
    public const long DefaultChunk = 512;

    /// <summary>The smallest vocabulary chunked by default: at 8,192 chunks were 2× faster than whole logits on a CPU, at 257 no faster.</summary>
    public const long MinVocabulary = 8192;

    /// <summary>Positions per chunk for a configured value (train.loss_chunk_tokens): itself when 0 (all at once) or more; for
    /// -1 (auto, the default) DefaultChunk when the vocabulary has at least MinVocabulary entries, else 0.</summary>
    public static long Resolve(long configured, long vocabulary) => configured >= 0 ? configured : vocabulary >= MinVocabulary ? DefaultChunk : 0;

    /// <summary>Per-position losses (N) fp32 of hidden states <paramref name="hidden"/> (N, C) against <paramref name="targets"/> (N).</summary>
    /// <param name="weight">The output layer (V, C) that receives the gradient, in its own dtype (the fp32 master).</param>
    /// <param name="chunk">Positions per chunk.</param>
    /// <param name="fusedRows">Use CrossEntropyRows where it applies (a CPU tensor); false: libtorch's ops everywhere (tests compare the two).</param>
    /// <param name="compute">The weight's cast to the compute dtype, without gradient, for the matmuls; null: the weight itself. The gradient
    /// is summed in fp32 and handed to the weight as such, so a bf16 run makes no bf16 (V, C) gradient and no cast back. It may have
    /// more rows than the weight, zeros (the vocabulary padded for the matmuls, ComputeCasts.OutsideGraph): their logits never
    /// count and their columns of the logits' gradient are zero.</param>
    /// <param name="handles">Where the backward's handles go (the model's: BackwardHandles says why); null: the caller's scope.</param>
    /// <param name="workspace">Buffers kept across calls (the model's); null: allocated for this call and freed after it.</param>
    public static Tensor Of(Tensor hidden, Tensor weight, Tensor targets, long chunk, bool fusedRows = true, Tensor? compute = null, BackwardHandles? handles = null,
        TensorWorkspace? workspace = null) =>
        apply(hidden, weight, targets, chunk, fusedRows, compute ?? weight, handles!, workspace!);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (hidden, master, chunk, fusedRows, weight) = ((Tensor)vars[0], (Tensor)vars[1], (long)vars[3], (bool)vars[4], (Tensor)vars[5]);
        var targets = ((Tensor)vars[2]).to(ScalarType.Int64).contiguous();
        long n = hidden.shape[0], vocab = master.shape[0];
        if (weight.shape[0] < vocab) throw new ArgumentException($"the compute weight has {weight.shape[0]} rows, fewer than the vocabulary's {vocab}");
        var losses = torch.empty(n, dtype: ScalarType.Float32, device: hidden.device);
        var logSumExp = torch.empty(n, dtype: ScalarType.Float32, device: hidden.device); // (N), kept for backward
        using (var buffers = new ChunkBuffers(Math.Min(chunk, n), weight, vocab, backward: false, fusedRows, (TensorWorkspace?)vars[7]))
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = torch.NewDisposeScope();
                long rows = Math.Min(chunk, n - start);
                var logits = buffers.Logits(hidden.narrow(0, start, rows), weight);                       // (n, V) compute dtype (padded: its first V columns)
                var (target, lse, loss) = (targets.narrow(0, start, rows), logSumExp.narrow(0, start, rows), losses.narrow(0, start, rows));
                if (buffers.Fused)
                {
                    CrossEntropyRows.Forward(logits, target, lse, loss);
                    continue;
                }
                var logits32 = buffers.Real(buffers.InFloat32(logits));                                     // (n, V) fp32
                var targetLogit = logits32.gather(1, target.unsqueeze(1));                                  // (n, 1)
                lse.copy_(LogSumExpInPlace(logits32));
                loss.copy_(lse - targetLogit.squeeze(1));
            }
        ctx.save_for_backward([hidden, targets, logSumExp, weight]);
        ctx.save_data("dtype", master.dtype); // the gradient's: only the weight's dtype and rows are needed of it
        ctx.save_data("vocab", vocab);
        ctx.save_data("chunk", chunk);
        ctx.save_data("fused", fusedRows);
        ctx.save_data("handles", vars[6]);
        ctx.save_data("workspace", vars[7]);
        return losses;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput) =>
        BackwardHandles.Run((BackwardHandles?)ctx.get_data("handles"), gradOutput, () => Backward(ctx, gradOutput));

    static List<Tensor> Backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var (hidden, targets, logSumExp, weight) = (saved[0], saved[1], saved[2], saved[3]);
        long chunk = (long)ctx.get_data("chunk"), n = hidden.shape[0], vocab = (long)ctx.get_data("vocab");
        var gradHidden = torch.empty_like(hidden);                                                      // (N, C) fp32
        using var buffers = new ChunkBuffers(Math.Min(chunk, n), weight, vocab, backward: true, (bool)ctx.get_data("fused"), (TensorWorkspace?)ctx.get_data("workspace"));
        var gradWeight = buffers.GradientSum();                                                          // (V, C), summed in fp32
        using var minusOne = torch.tensor(-1.0f, device: weight.device);
        using var grad = gradOutput.to(ScalarType.Float32).contiguous();                                // (N)
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(chunk, n - start);
            var x = hidden.narrow(0, start, rows).to(weight.dtype);                                        // (n, C)
            var (target, lse, g) = (targets.narrow(0, start, rows), logSumExp.narrow(0, start, rows), grad.narrow(0, start, rows));
            Tensor dLogits;                                                                                // (n, V) compute dtype
            if (buffers.Fused)
            {
                dLogits = buffers.Logits(x, weight);
                CrossEntropyRows.SoftmaxGradientInPlace(dLogits, target, lse, g);
            }
            else
            {
                var all = buffers.InFloat32(buffers.Logits(x, weight));                                     // (n, V) fp32, or (n, V_padded)
                var probs = buffers.Real(all).sub_(lse.unsqueeze(1)).exp_();                                 // (n, V) fp32 softmax
                probs.scatter_add_(1, target.unsqueeze(1), minusOne.expand(rows, 1));                      // softmax − one-hot
                probs.mul_(g.unsqueeze(1));
                buffers.ZeroPadding(all);                                                                  // padding logits never count
                dLogits = buffers.InComputeType(all);
            }
            gradHidden.narrow(0, start, rows).copy_(dLogits.matmul(weight));                               // (n, C); padded rows add zeros
            buffers.AccumulateWeightGradient(gradWeight, dLogits, x);                                      // (V, C)
        }
        return [gradHidden, gradWeight.to((ScalarType)ctx.get_data("dtype")), null!, null!, null!, null!, null!, null!];
    }

    /// <summary>Log-sum-exp (n) of each row of <paramref name="logits"/> (n, V) fp32, overwriting them with exp(logit − row max).</summary>
    static Tensor LogSumExpInPlace(Tensor logits)
    {
        var max = logits.amax([1], keepdim: true);           // (n, 1)
        return logits.sub_(max).exp_().sum(1).log_().add_(max.squeeze(1), HeldScalars.One);
    }

    /// <summary>The (chunk, V) logits, their fp32 copy (libtorch's path), the (V, C) fp32 gradient sum and partial products,
    /// reused by every chunk of a call, and by later calls when they come from a kept workspace.</summary>
    sealed class ChunkBuffers : IDisposable
    {
        /// <summary>Rows of the (V, C) fp32 staging block for a bf16 partial product: at most 8 MB at a time.</summary>
        const long StagingBytes = 8L << 20;

        readonly Tensor _logits;     // (chunk, V) compute dtype
        readonly Tensor? _logits32;  // (chunk, V) fp32, when the compute dtype is not and the row work is libtorch's
        readonly Tensor? _partial;   // (V, C) compute dtype, when it is not fp32 (backward only)
        readonly Tensor? _staging;   // (rows, C) fp32 for adding _partial into the fp32 sum (backward only)
        readonly TensorWorkspace _workspace;
        readonly bool _ownsWorkspace;
        readonly Tensor _weight;
        readonly long _vocab;        // V: the weight's rows past it, if any, are padding

        public ChunkBuffers(long chunk, Tensor weight, long vocab, bool backward, bool fusedRows, TensorWorkspace? workspace)
        {
            (_workspace, _ownsWorkspace, _weight, _vocab) = (workspace ?? new TensorWorkspace(), workspace is null, weight, vocab);
            long padded = weight.shape[0], width = weight.shape[1];
            _logits = _workspace.Get("loss.logits", [chunk, padded], weight.dtype, weight.device);
            Fused = fusedRows && padded == vocab && CrossEntropyRows.Supports(_logits); // CrossEntropyRows reads whole rows
            if (weight.dtype == ScalarType.Float32)
                return;
            if (!Fused)
                _logits32 = _workspace.Get("loss.logits32", [chunk, padded], ScalarType.Float32, weight.device);
            if (backward)
            {
                _partial = _workspace.Get("loss.partial", [padded, width], weight.dtype, weight.device);
                _staging = _workspace.Get("loss.staging", [Math.Clamp(StagingBytes / (4 * width), 1, vocab), width], ScalarType.Float32, weight.device);
            }
        }

        /// <summary>The output layer's gradient (V, C) fp32, zeroed: a new handle, so that autograd may keep or dispose it.</summary>
        public Tensor GradientSum() => _workspace.Get("loss.grad_weight", [_vocab, _weight.shape[1]], ScalarType.Float32, _weight.device).zero_();

        /// <summary>The first V columns of (n, V_padded) values: the vocabulary's, without the padding.</summary>
        public Tensor Real(Tensor values) => values.shape[1] == _vocab ? values : values.narrow(1, 0, _vocab);

        /// <summary>Zeroes the padding columns of (n, V_padded) values.</summary>
        public void ZeroPadding(Tensor values)
        {
            if (values.shape[1] > _vocab) values.narrow(1, _vocab, values.shape[1] - _vocab).zero_();
        }

        /// <summary>The row work runs in CrossEntropyRows on the logits in their own dtype (CPU).</summary>
        public bool Fused { get; }

        /// <summary>Logits (n, V) of hidden states (n, C) through the weight (V, C), in the weight's dtype.</summary>
        public Tensor Logits(Tensor hidden, Tensor weight) =>
            _logits.narrow(0, 0, hidden.shape[0]).addmm_(hidden.to(weight.dtype), weight.t(), 0f, 1f);

        /// <summary>Logits (n, V) in fp32: themselves, or their copy.</summary>
        public Tensor InFloat32(Tensor logits) => _logits32 is null ? logits : _logits32.narrow(0, 0, logits.shape[0]).copy_(logits);

        /// <summary><paramref name="values"/> (n, V) fp32 in the compute dtype (the logits buffer, free by now, when it is a copy).</summary>
        public Tensor InComputeType(Tensor values) => _logits32 is null ? values : _logits.narrow(0, 0, values.shape[0]).copy_(values);

        /// <summary>gradWeight (V, C) fp32 += dLogitsᵀ (V, n) · x (n, C), the product in the compute dtype.</summary>
        public void AccumulateWeightGradient(Tensor gradWeight, Tensor dLogits, Tensor x)
        {
            if (_partial is null || _staging is null)
            {
                gradWeight.addmm_(Real(dLogits).t(), x, 1f, 1f);
                return;
            }
            _partial.addmm_(dLogits.t(), x, 0f, 1f);
            long vocab = gradWeight.shape[0], block = _staging.shape[0];
            for (long row = 0; row < vocab; row += block)
            {
                long rows = Math.Min(block, vocab - row);
                var staged = _staging.narrow(0, 0, rows).copy_(_partial.narrow(0, row, rows));
                gradWeight.narrow(0, row, rows).add_(staged, HeldScalars.One);
            }
        }

        public void Dispose()
        {
            _logits.Dispose();
            _logits32?.Dispose();
            _partial?.Dispose();
            _staging?.Dispose();
            if (_ownsWorkspace) _workspace.Dispose();
        }
    }
}
