// Per-token cross-entropy of the output layer without the whole (N, V) logits tensor: the head's matmul, the
// log-sum-exp and the target's logit are computed for a chunk of positions at a time, and in backward each chunk's
// logits are computed again (a custom autograd function), so memory holds one chunk's (chunk, V) at most. With
// Llama 3's or Qwen's vocabularies an 8 × 2048 micro-batch's fp32 logits alone are 8–10 GB. The gradient is the
// closed form (softmax − one-hot) · dL/dloss, cast to the compute dtype as autocast's would be.
// Dimensions: N positions, C width, V vocabulary.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model;

public sealed class ChunkedTokenLoss : autograd.SingleTensorFunction<ChunkedTokenLoss>
{
    public override string Name => nameof(ChunkedTokenLoss);

    /// <summary>Per-position losses (N) fp32 of hidden states <paramref name="hidden"/> (N, C) against <paramref name="targets"/> (N).</summary>
    /// <param name="weight">The output layer (V, C) in the compute dtype (the cast of the fp32 master, through which its gradient flows).</param>
    /// <param name="chunk">Positions per chunk.</param>
    public static Tensor Of(Tensor hidden, Tensor weight, Tensor targets, long chunk) => apply(hidden, weight, targets, chunk);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (hidden, weight, targets, chunk) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (long)vars[3]);
        ctx.save_for_backward([hidden, weight, targets]);
        ctx.save_data("chunk", chunk);
        long n = hidden.shape[0];
        var losses = torch.empty(n, dtype: ScalarType.Float32, device: hidden.device);
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(chunk, n - start);
            var logits = Logits(hidden.narrow(0, start, rows), weight);                                    // (n, V) fp32
            var target = targets.narrow(0, start, rows).unsqueeze(1);                                      // (n, 1)
            losses.narrow(0, start, rows).copy_(logits.logsumexp(1) - logits.gather(1, target).squeeze(1)); // (n)
        }
        return losses;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var (hidden, weight, targets) = (saved[0], saved[1], saved[2]);
        long chunk = (long)ctx.get_data("chunk"), n = hidden.shape[0];
        var gradHidden = torch.empty_like(hidden);                                                      // (N, C) fp32
        var gradWeight = torch.zeros(weight.shape, dtype: ScalarType.Float32, device: weight.device);  // (V, C), summed in fp32
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            long rows = Math.Min(chunk, n - start);
            var x = hidden.narrow(0, start, rows).to(weight.dtype);                                        // (n, C)
            var probs = Logits(x, weight).softmax(1);                                                      // (n, V) fp32
            var target = targets.narrow(0, start, rows).unsqueeze(1);
            probs.scatter_add_(1, target, torch.full(target.shape, -1.0f, device: probs.device));         // softmax − one-hot
            var dLogits = probs.mul_(gradOutput.narrow(0, start, rows).unsqueeze(1)).to(weight.dtype);     // (n, V)
            gradHidden.narrow(0, start, rows).copy_(dLogits.matmul(weight));                               // (n, C)
            gradWeight.add_(dLogits.t().matmul(x).to(ScalarType.Float32));                                 // (V, C)
        }
        return [gradHidden, gradWeight.to(weight.dtype), null!, null!];
    }

    /// <summary>Logits (n, V) in fp32 of hidden states (n, C) through <paramref name="weight"/>, the matmul in its dtype.</summary>
    static Tensor Logits(Tensor hidden, Tensor weight) => nn.functional.linear(hidden.to(weight.dtype), weight).to(ScalarType.Float32);
}
