// The model against reference computations: RMSNorm and RoPE by naive loops, causality by perturbation,
// state-dict names and shapes, memorisation of a short sequence, and bf16 agreeing with fp32.
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Model;

public class ModelTests
{
    static ModelConfig Tiny(int vocab = 31, bool tied = true, int kvHeads = 0) => new()
    {
        VocabSize = vocab, ContextLength = 32, Dim = 32, Layers = 2, Heads = 4, KvHeads = kvHeads, FfnDim = 64, TiedEmbeddings = tied,
    };

    [Fact]
    public void RmsNorm_matches_the_formula_elementwise()
    {
        var norm = new RmsNorm(5, 1e-5);
        using (torch.no_grad()) norm.parameters().First().copy_(torch.tensor(new float[] { 1, 2, 0.5f, -1, 3 }));
        var x = torch.tensor(new float[] { 1, -2, 3, 0.5f, 4, 0, 0, 0, 0, 1e-3f }, new long[] { 2, 5 });
        var y = norm.forward(x).data<float>().ToArray();
        float[] w = { 1, 2, 0.5f, -1, 3 };
        float[] xs = x.data<float>().ToArray();
        for (int r = 0; r < 2; r++)
        {
            double ms = 0;
            for (int c = 0; c < 5; c++) ms += xs[r * 5 + c] * xs[r * 5 + c];
            double inv = 1 / Math.Sqrt(ms / 5 + 1e-5);
            for (int c = 0; c < 5; c++)
                Assert.Equal(xs[r * 5 + c] * inv * w[c], y[r * 5 + c], 4);
        }
    }

    [Fact]
    public void Rotary_matches_the_rotate_half_formula()
    {
        const int hd = 6, t = 4;
        var rotary = new Rotary(hd, 16, 10000);
        torch.manual_seed(1);
        var x = torch.randn(1, 1, t, hd);
        var y = rotary.Apply(x).data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        for (int pos = 0; pos < t; pos++)
            for (int i = 0; i < hd / 2; i++)
            {
                double freq = Math.Pow(10000, -2.0 * i / hd), a = pos * freq;
                double x1 = xs[pos * hd + i], x2 = xs[pos * hd + i + hd / 2];
                Assert.Equal(x1 * Math.Cos(a) - x2 * Math.Sin(a), y[pos * hd + i], 4);
                Assert.Equal(x2 * Math.Cos(a) + x1 * Math.Sin(a), y[pos * hd + i + hd / 2], 4);
            }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Changing_a_later_token_leaves_earlier_logits_unchanged(int kvHeads)
    {
        using var model = new Transformer(Tiny(kvHeads: kvHeads), seed: 7);
        var a = torch.tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new long[] { 1, 8 });
        var b = a.clone();
        b[0, 5] = torch.tensor(20L);
        var la = model.forward(a);
        var lb = model.forward(b);
        Assert.True(torch.allclose(la.narrow(1, 0, 5), lb.narrow(1, 0, 5), rtol: 0, atol: 1e-6));
        Assert.False(torch.allclose(la.narrow(1, 5, 3), lb.narrow(1, 5, 3), rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void State_dict_names_and_shapes_follow_llama()
    {
        var c = Tiny(vocab: 50, tied: false, kvHeads: 2);
        using var model = new Transformer(c, seed: 1);
        var sd = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new long[] { 50, 32 }, sd["embed_tokens"]);
        Assert.Equal(new long[] { 32, 32 }, sd["layers.0.self_attn.q_proj.weight"]);
        Assert.Equal(new long[] { 16, 32 }, sd["layers.1.self_attn.k_proj.weight"]); // 2 kv heads of 8
        Assert.Equal(new long[] { 64, 32 }, sd["layers.0.mlp.gate_proj.weight"]);
        Assert.Equal(new long[] { 32, 64 }, sd["layers.0.mlp.down_proj.weight"]);
        Assert.Equal(new long[] { 32 }, sd["layers.0.input_layernorm.weight"]);
        Assert.Equal(new long[] { 32 }, sd["norm.weight"]);
        Assert.Equal(new long[] { 50, 32 }, sd["lm_head.weight"]);
        Assert.Equal(3 + 2 * 9, sd.Count); // embed, norm, lm_head, and 9 per layer
        long expected = 50 * 32 * 2 + 32 + 2 * (32 * 32 * 2 + 16 * 32 * 2 + 3 * 64 * 32 + 2 * 32);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void Same_seed_gives_identical_weights()
    {
        using var a = new Transformer(Tiny(), seed: 3);
        using var b = new Transformer(Tiny(), seed: 3);
        using var c = new Transformer(Tiny(), seed: 4);
        var pa = a.parameters().First();
        Assert.True(pa.eq(b.parameters().First()).all().item<bool>());
        Assert.False(pa.eq(c.parameters().First()).all().item<bool>());
    }

    [Fact]
    public void Model_memorises_a_short_sequence()
    {
        using var model = new Transformer(Tiny(), seed: 11);
        var opt = torch.optim.Adam(model.parameters(), lr: 1e-2);
        var seq = torch.tensor(new long[] { 3, 14, 15, 9, 26, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4 }, new long[] { 1, 17 });
        var x = seq.narrow(1, 0, 16);
        var y = seq.narrow(1, 1, 16);
        float loss = 0;
        for (int i = 0; i < 150; i++)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var l = model.TokenLosses(x, y).mean();
            l.backward();
            opt.step();
            loss = l.item<float>();
        }
        Assert.True(loss < 0.05, $"loss {loss} after 150 steps");
    }

    [Fact]
    public void Bf16_and_fp32_losses_agree_within_bf16_tolerance()
    {
        using var model = new Transformer(Tiny(vocab: 64), seed: 5);
        torch.manual_seed(2);
        var x = torch.randint(0, 64, new long[] { 4, 24 });
        var y = torch.randint(0, 64, new long[] { 4, 24 });
        double fp32 = model.TokenLosses(x, y).mean().item<float>();
        model.ComputeType = ScalarType.BFloat16;
        var l16 = model.TokenLosses(x, y);
        Assert.Equal(ScalarType.Float32, l16.dtype);
        double bf16 = l16.mean().item<float>();
        Assert.True(Math.Abs(fp32 - bf16) < 0.02 * fp32, $"fp32 {fp32} vs bf16 {bf16}");
        Assert.True(Math.Abs(fp32 - Math.Log(64)) < 0.5, $"an untrained model should be near log V, got {fp32}");
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_refused()
    {
        using var model = new Transformer(Tiny(), seed: 1);
        var e = Assert.Throws<UserErrorException>(() => model.forward(torch.zeros(new long[] { 1, 33 }, ScalarType.Int64)));
        Assert.Contains("context_length", e.Message);
    }

    [Fact]
    public void Invalid_shapes_name_the_key()
    {
        var e = Assert.Throws<UserErrorException>(() => new Transformer(Tiny() with { Heads = 5 }, 1));
        Assert.Contains("model.heads", e.Message);
    }
}
