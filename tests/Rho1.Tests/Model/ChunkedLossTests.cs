// Chunked token losses (train.loss_chunk_tokens) against the whole-logits path of the same model: the losses agree
// within 1e-6 and every parameter's gradient within 5e-6 of its largest entry (the closed-form softmax gradient rounds
// otherwise than log-softmax's backward), for tied and untied output layers and chunks that do not divide
// the positions, under a per-token weighting of the losses (as selection weights them); bf16 agrees to bf16 rounding;
// without gradient the chunked forward alone runs (evaluation, scoring); the fused CPU rows equal libtorch's ops (the
// path CUDA takes); the auto chunk size follows the vocabulary.
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class ChunkedLossTests
{
    static readonly ModelConfig Config = new() { VocabSize = 1000, ContextLength = 32, Dim = 32, Layers = 2, Heads = 4, FfnDim = 64 };

    /// <summary>Per-token losses and every parameter's gradient of Σ w·loss, with the given chunking.</summary>
    static (float[] Losses, Dictionary<string, float[]> Grads) Run(bool tied, long chunk, ScalarType compute)
    {
        using var model = new Transformer(Config with { TiedEmbeddings = tied }, seed: 3) { LossChunkTokens = chunk, ComputeType = compute };
        var g = new Generator(5);
        var tokens = torch.randint(0, Config.VocabSize, [3, 20], generator: g);
        var targets = torch.randint(0, Config.VocabSize, [3, 20], generator: g);
        var weights = torch.rand([3, 20], generator: g); // like soft selection weights: every token its own share
        var losses = model.TokenLosses(tokens, targets);
        (losses * weights).sum().backward();
        return (losses.detach().data<float>().ToArray(),
            model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray()));
    }

    static double Largest(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y) / Math.Max(1e-3, Math.Abs(x))).Max();

    /// <summary>The largest difference relative to the tensor's largest magnitude: small entries carry rounding of the large ones.</summary>
    static double Scaled(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max() / Math.Max(1e-12, a.Max(x => (double)Math.Abs(x)));

    [Theory]
    [InlineData(true, 7)]
    [InlineData(false, 7)]
    [InlineData(true, 60)] // one chunk: every position at once
    [InlineData(false, 1)]
    public void Chunked_losses_and_gradients_equal_the_whole_logits_path_in_fp32(bool tied, long chunk)
    {
        var whole = Run(tied, 0, ScalarType.Float32);
        var chunked = Run(tied, chunk, ScalarType.Float32);
        Assert.True(Largest(whole.Losses, chunked.Losses) <= 1e-6, $"losses differ by {Largest(whole.Losses, chunked.Losses):E2}");
        foreach (var (name, grad) in whole.Grads)
            Assert.True(Scaled(grad, chunked.Grads[name]) <= 5e-6, $"{name}: gradients differ by {Scaled(grad, chunked.Grads[name]):E2} of their largest");
        Assert.Contains(whole.Grads, kv => kv.Value.Any(v => v != 0));
    }

    [Fact]
    public void In_bf16_they_agree_to_bf16_rounding()
    {
        var whole = Run(tied: true, 0, ScalarType.BFloat16);
        var chunked = Run(tied: true, 16, ScalarType.BFloat16);
        Assert.True(Largest(whole.Losses, chunked.Losses) <= 1e-2, $"losses differ by {Largest(whole.Losses, chunked.Losses):E2}");
        var embedding = "embed_tokens";
        double cosine = Cosine(whole.Grads[embedding], chunked.Grads[embedding]);
        Assert.True(cosine > 0.999, $"embedding gradients' cosine {cosine}");
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Losses and the gradients of hidden states and weight, through ChunkedTokenLoss directly.</summary>
    static (float[] Losses, float[] Hidden, float[] Weight) Direct(ScalarType compute, bool fusedRows)
    {
        var g = new Generator(21);
        var hidden = torch.randn([45, 24], generator: g).requires_grad_(true);
        var master = (torch.randn([331, 24], generator: g) * 0.3).requires_grad_(true); // 331: not a multiple of any vector width
        var targets = torch.randint(0, 331, [45], generator: g);
        var weights = torch.rand([45], generator: g);
        var losses = ChunkedTokenLoss.Of(hidden, master.to(compute), targets, 8, fusedRows);
        (losses * weights).sum().backward();
        return (losses.detach().data<float>().ToArray(), hidden.grad!.data<float>().ToArray(), master.grad!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)]
    [InlineData(ScalarType.BFloat16, 2e-2)] // each path rounds its products and logits gradient to bf16 at its own place
    public void The_fused_cpu_rows_equal_libtorchs_ops(ScalarType compute, double tolerance)
    {
        var fused = Direct(compute, fusedRows: true);
        var ops = Direct(compute, fusedRows: false);
        Assert.True(Largest(ops.Losses, fused.Losses) <= 1e-5, $"losses differ by {Largest(ops.Losses, fused.Losses):E2}");
        Assert.True(Scaled(ops.Hidden, fused.Hidden) <= tolerance, $"hidden gradients differ by {Scaled(ops.Hidden, fused.Hidden):E2} of their largest");
        Assert.True(Scaled(ops.Weight, fused.Weight) <= tolerance, $"weight gradients differ by {Scaled(ops.Weight, fused.Weight):E2} of their largest");
        Assert.Contains(fused.Weight, v => v != 0);
    }

    /// <summary>As Direct, through a compute weight whose rows are padded with zeros to <paramref name="rows"/> (ComputeCasts.OutsideGraph).</summary>
    static (float[] Losses, float[] Hidden, float[] Weight) Padded(ScalarType compute, bool fusedRows, long rows)
    {
        var g = new Generator(21);
        var hidden = torch.randn([45, 24], generator: g).requires_grad_(true);
        var master = (torch.randn([331, 24], generator: g) * 0.3).requires_grad_(true);
        var targets = torch.randint(0, 331, [45], generator: g);
        var weights = torch.rand([45], generator: g);
        var padded = torch.zeros([rows, 24], compute);
        using (torch.no_grad()) padded.narrow(0, 0, 331).copy_(master);
        var losses = ChunkedTokenLoss.Of(hidden, master, targets, 8, fusedRows, compute: padded);
        (losses * weights).sum().backward();
        Assert.Equal([331L, 24L], master.grad!.shape); // the real vocabulary's gradient, no padding rows
        return (losses.detach().data<float>().ToArray(), hidden.grad!.data<float>().ToArray(), master.grad!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.Float32, true, 1e-6)]
    [InlineData(ScalarType.Float32, false, 1e-6)]
    [InlineData(ScalarType.BFloat16, false, 1e-2)] // products of other shapes: bf16 rounding apart
    public void A_vocabulary_padded_for_the_matmuls_gives_the_losses_and_gradients_of_the_real_one(ScalarType compute, bool fusedRows, double tolerance)
    {
        var real = Direct(compute, fusedRows: false);
        var padded = Padded(compute, fusedRows, 384); // 331 → 3 × 128
        Assert.True(Largest(real.Losses, padded.Losses) <= tolerance, $"losses differ by {Largest(real.Losses, padded.Losses):E2}");
        Assert.True(Scaled(real.Hidden, padded.Hidden) <= tolerance, $"hidden gradients differ by {Scaled(real.Hidden, padded.Hidden):E2} of their largest");
        Assert.True(Scaled(real.Weight, padded.Weight) <= tolerance, $"weight gradients differ by {Scaled(real.Weight, padded.Weight):E2} of their largest");
        // a padding logit that counted would add exp(0) = 1 per padding row to every position's partition function
        var unpadded = Direct(ScalarType.Float32, fusedRows: false);
        Assert.True(Largest(unpadded.Losses, padded.Losses) <= (compute == ScalarType.Float32 ? 1e-6 : 5e-2));
    }

    [Theory]
    [InlineData(16)] // chunked: ChunkedTokenLoss over the padded cast
    [InlineData(0)]  // whole logits: the padded cast in the graph, its logits narrowed
    public void A_bf16_model_with_a_padded_head_trains_like_one_without(long chunk)
    {
        (float[] Losses, float[] Embedding) Run(long padding)
        {
            using var model = new Transformer(Config with { TiedEmbeddings = false }, seed: 3)
                { LossChunkTokens = chunk, ComputeType = ScalarType.BFloat16, VocabularyPadding = padding };
            var g = new Generator(5);
            var tokens = torch.randint(0, Config.VocabSize, [3, 20], generator: g);
            var targets = torch.randint(0, Config.VocabSize, [3, 20], generator: g);
            var losses = model.TokenLosses(tokens, targets);
            losses.sum().backward();
            var head = model.named_parameters().Single(p => p.name == "lm_head.weight").parameter;
            Assert.Equal([Config.VocabSize, Config.Dim], head.grad!.shape);
            return (losses.detach().data<float>().ToArray(), head.grad.data<float>().ToArray());
        }
        var plain = Run(1);
        var padded = Run(128); // 1,000 → 1,024
        // 24 padding logits that counted would add about log(1024 / 1000) = 0.024 to every loss (the logits start near 0)
        double apart = plain.Losses.Zip(padded.Losses, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(apart <= 2e-3, $"losses differ by {apart:E2}");
        Assert.True(Cosine(plain.Embedding, padded.Embedding) > 0.999, "head gradients apart");
    }

    /// <summary>The weight's gradient after three backward passes of different positions (the second fewer than a chunk).</summary>
    static float[] Accumulated(ScalarType compute, TensorWorkspace? workspace)
    {
        var g = new Generator(33);
        var master = (torch.randn([331, 24], generator: g) * 0.3).requires_grad_(true);
        foreach (long n in new long[] { 45, 5, 30 })
        {
            var hidden = torch.randn([n, 24], generator: g);
            var targets = torch.randint(0, 331, [n], generator: g);
            var losses = ChunkedTokenLoss.Of(hidden, master, targets, 8, compute: master.detach().to(compute), workspace: workspace);
            (losses * torch.rand([n], generator: g)).sum().backward();
        }
        return master.grad!.data<float>().ToArray();
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Buffers_kept_across_calls_give_the_gradients_of_fresh_ones(ScalarType compute)
    {
        // A kept gradient buffer handed to autograd must never become the weight's .grad: the next pass would zero it.
        using var workspace = new TensorWorkspace();
        var fresh = Accumulated(compute, null);
        var kept = Accumulated(compute, workspace);
        Assert.Equal(fresh, kept);
        Assert.True(workspace.Bytes >= 331L * 24 * 4 + 8L * 331 * (compute == ScalarType.Float32 ? 4 : 2), $"the workspace holds {workspace.Bytes} bytes");
    }

    [Theory]
    [InlineData(-1, 257, 0)]       // auto: a byte vocabulary is computed at once
    [InlineData(-1, 8191, 0)]
    [InlineData(-1, 8192, 512)]    // auto: large vocabularies in chunks of 512
    [InlineData(-1, 128256, 512)]
    [InlineData(0, 128256, 0)]     // 0: never chunked
    [InlineData(7, 257, 7)]        // a configured chunk applies at any vocabulary
    public void Auto_chunks_large_vocabularies_only(long configured, long vocabulary, long expected) =>
        Assert.Equal(expected, ChunkedTokenLoss.Resolve(configured, vocabulary));

    [Fact]
    public void Without_gradient_the_chunked_forward_gives_the_same_losses()
    {
        using var model = new Transformer(Config, seed: 3);
        var g = new Generator(9);
        var tokens = torch.randint(0, Config.VocabSize, [2, 16], generator: g);
        var targets = torch.randint(0, Config.VocabSize, [2, 16], generator: g);
        using var noGrad = torch.no_grad();
        var whole = model.TokenLosses(tokens, targets).data<float>().ToArray();
        model.LossChunkTokens = 5;
        Assert.True(Largest(whole, model.TokenLosses(tokens, targets).data<float>().ToArray()) <= 1e-6);
    }
}
