// Mixed precision as autocast does it: weights cast once and reused (gradients through a reused cast equal
// those through fresh casts), casts kept apart by grad mode and dropped when weights change, rotary tables made
// once per device and dtype, and a bf16 model whose residual stream stays fp32.
using Rho1.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class PrecisionTests
{
    [Fact]
    public void Gradients_through_a_reused_cast_equal_gradients_through_fresh_casts()
    {
        var generator = new Generator(5);
        var w = new Parameter(torch.randn(new long[] { 4, 3 }, generator: generator));
        var x1 = torch.randn(new long[] { 2, 3 }, generator: generator).to(ScalarType.BFloat16);
        var x2 = torch.randn(new long[] { 2, 3 }, generator: generator).to(ScalarType.BFloat16);
        using var casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        // Two micro-batches, each with its own backward, through one cached cast.
        nn.functional.linear(x1, casts.Of(w), null).to(ScalarType.Float32).pow(2).sum().backward();
        nn.functional.linear(x2, casts.Of(w), null).to(ScalarType.Float32).pow(2).sum().backward();
        Assert.Equal(1, casts.Count);
        var cached = w.grad!.clone();
        w.grad!.zero_();
        nn.functional.linear(x1, w.to(ScalarType.BFloat16), null).to(ScalarType.Float32).pow(2).sum().backward();
        nn.functional.linear(x2, w.to(ScalarType.BFloat16), null).to(ScalarType.Float32).pow(2).sum().backward();
        Assert.Equal(ScalarType.Float32, w.grad!.dtype);
        Assert.Equal(cached.data<float>().ToArray(), w.grad!.data<float>().ToArray()); // bit for bit
    }

    [Fact]
    public void Casts_are_kept_apart_by_grad_mode_and_dropped_on_invalidate()
    {
        var w = new Parameter(torch.ones(2, 2));
        using var casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        var withGrad = casts.Of(w);
        Tensor withoutGrad;
        using (torch.no_grad()) withoutGrad = casts.Of(w);
        Assert.True(withGrad.requires_grad);
        Assert.False(withoutGrad.requires_grad);
        Assert.Equal(withGrad.Handle, casts.Of(w).Handle); // the same tensor, not a new cast
        Assert.Equal(2, casts.Count);
        using (torch.no_grad()) w.add_(1);
        casts.Invalidate();
        Assert.Equal(0, casts.Count);
        Assert.Equal(2f, casts.Of(w).to(ScalarType.Float32)[0, 0].item<float>());
        casts.ComputeType = ScalarType.Float32;
        Assert.Equal(w.Handle, casts.Of(w).Handle); // fp32: the weight itself
    }

    [Fact]
    public void Rotary_tables_are_made_once_per_device_and_dtype()
    {
        using var rotary = new Rotary(8, 16, 10000);
        var a = rotary.Tables(torch.CPU, ScalarType.Float32);
        var b = rotary.Tables(torch.CPU, ScalarType.Float32);
        var c = rotary.Tables(torch.CPU, ScalarType.BFloat16);
        var d = rotary.Tables(torch.CPU, ScalarType.BFloat16);
        Assert.Equal(a.Cos.Handle, b.Cos.Handle);
        Assert.Equal(c.Sin.Handle, d.Sin.Handle);
        Assert.NotEqual(a.Cos.Handle, c.Cos.Handle);
        Assert.Equal(ScalarType.BFloat16, c.Cos.dtype);
        Assert.Equal(a.Cos.to(ScalarType.BFloat16).data<BFloat16>().ToArray(), c.Cos.data<BFloat16>().ToArray());
        // Apply on a bf16 input uses the cached bf16 table and returns bf16.
        Assert.Equal(ScalarType.BFloat16, rotary.Apply(torch.ones(1, 1, 4, 8, dtype: ScalarType.BFloat16)).dtype);
        Assert.Equal(c.Cos.Handle, rotary.Tables(torch.CPU, ScalarType.BFloat16).Cos.Handle);
    }

    [Fact]
    public void A_bf16_model_keeps_its_residual_stream_in_fp32_and_casts_each_weight_once()
    {
        var config = new ModelConfig { VocabSize = 31, ContextLength = 16, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64, TiedEmbeddings = true };
        using var model = new Rho1.Model.Transformer(config, seed: 3) { ComputeType = ScalarType.BFloat16 };
        var tokens = torch.tensor(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 1, 6 });
        var block = model.named_modules().Select(m => m.module).OfType<DecoderBlock>().First();
        var x = torch.randn(1, 6, 32);
        Assert.Equal(ScalarType.Float32, block.forward(x).dtype); // residual stream
        Assert.Equal(ScalarType.BFloat16, model.forward(tokens).dtype); // logits from a bf16 matmul
        int matrices = model.parameters().Count(p => p.dim() == 2); // 7 per layer + the tied embedding
        int casts = matrices - 3 * config.Layers; // q, k, v joined into one, gate and up into one (FusedProjection)
        Assert.Equal(casts, model.Casts.Count);
        model.TokenLosses(tokens, tokens).sum().backward();
        Assert.Equal(casts, model.Casts.Count); // a second forward reused them
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
        model.WeightsChanged();
        Assert.Equal(0, model.Casts.Count);
    }

    [Fact]
    public void Checkpointed_blocks_share_one_cast_per_weight_between_forward_and_recompute_with_the_same_gradients()
    {
        var config = new ModelConfig { VocabSize = 31, ContextLength = 16, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64, TiedEmbeddings = true };
        var tokens = torch.tensor(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 1, 6 });
        (int Casts, Dictionary<string, float[]> Grads) Run(bool checkpointing)
        {
            using var model = new Rho1.Model.Transformer(config, seed: 3) { ComputeType = ScalarType.BFloat16, ActivationCheckpointing = checkpointing };
            model.TokenLosses(tokens, tokens).sum().backward();
            return (model.Casts.Count, model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray()));
        }
        var plain = Run(false);
        var recomputed = Run(true);
        Assert.Equal(plain.Casts, recomputed.Casts); // not a second bf16 copy for the forward without gradient
        foreach (var (name, grad) in plain.Grads)
            Assert.True(grad.AsSpan().SequenceEqual(recomputed.Grads[name]), $"{name}: gradients differ");
    }
}
