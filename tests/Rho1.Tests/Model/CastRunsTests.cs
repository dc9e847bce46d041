// Cast runs against the casts they replace: a bf16 model whose blocks' weights come from the standing cast of the
// optimizer's store (CastRuns) gives the losses and gradients of one cast per weight to the bit, over accumulated
// micro-batches, updates and activation checkpointing; what can join a run, and what stays out, follows the store.
using Rho1.Model;
using Rho1.Model.Runtime;
using Rho1.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = Rho1.Optimization.AdamW;
using Linear = Rho1.Model.Linear;
using Transformer = Rho1.Model.Transformer;

namespace Rho1.Tests.Model;

public class CastRunsTests
{
    static readonly ModelConfig Config = new() { VocabSize = 31, ContextLength = 16, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64 };

    /// <summary>Three optimizer steps of two micro-batches each: every micro-batch's loss, then every parameter's final weights.</summary>
    static (List<float> Losses, Dictionary<string, float[]> Weights, int Runs) Train(ModelConfig config, bool runs, bool checkpointing = false)
    {
        using var model = new Transformer(config, seed: 5) { ComputeType = ScalarType.BFloat16, ActivationCheckpointing = checkpointing, LossChunkTokens = 0 };
        using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), 0.9, 0.95, 1e-8, 0.1);
        if (runs) model.CastInRuns(optimizer.Store.Weights, optimizer.Store.Gradients, optimizer.Store.OffsetOf);
        var generator = new Generator(9);
        var losses = new List<float>();
        for (int step = 0; step < 3; step++)
        {
            for (int micro = 0; micro < 2; micro++)
            {
                var tokens = torch.randint(0, config.VocabSize, [2, 8], generator: generator);
                var targets = torch.randint(0, config.VocabSize, [2, 8], generator: generator);
                var loss = model.TokenLosses(tokens, targets).mean();
                losses.Add(loss.item<float>());
                loss.backward();
            }
            using (torch.no_grad())
                optimizer.Update(1e-2);
            optimizer.ZeroGrad();
            model.WeightsChanged();
        }
        return (losses, model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().data<float>().ToArray()), model.Casts.Runs?.Count ?? 0);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]  // a tied embedding: the head's cast stays one of its own
    [InlineData(false, true)]  // Qwen2's q/k/v biases (vectors: cast one by one beside the runs)
    public void Runs_train_to_the_bits_of_one_cast_per_weight(bool tied, bool bias)
    {
        var config = Config with { TiedEmbeddings = tied, QkvBias = bias };
        var perWeight = Train(config, runs: false);
        var inRuns = Train(config, runs: true);
        Assert.Equal(2 * config.Layers, inRuns.Runs); // per block: q, k, v, o, gate and up (C columns each), then down (F columns)
        Assert.Equal(perWeight.Losses, inRuns.Losses);
        foreach (var (name, w) in perWeight.Weights)
            Assert.True(w.AsSpan().SequenceEqual(inRuns.Weights[name]), $"{name} differs");
    }

    [Fact]
    public void Runs_under_activation_checkpointing_train_to_the_same_bits()
    {
        var plain = Train(Config, runs: true);
        var recomputed = Train(Config, runs: true, checkpointing: true);
        Assert.Equal(plain.Losses, recomputed.Losses);
        foreach (var (name, w) in plain.Weights)
            Assert.True(w.AsSpan().SequenceEqual(recomputed.Weights[name]), $"{name} differs");
    }

    static Parameter Matrix(long rows, long columns) => new(torch.randn(rows, columns));

    [Fact]
    public void A_run_holds_a_blocks_pieces_that_lie_back_to_back_with_one_column_count()
    {
        var (q, k, o, down, loose) = (Matrix(4, 8), Matrix(2, 8), Matrix(8, 8), Matrix(8, 16), Matrix(3, 8));
        using var store = new FlatStore([("q", q), ("k", k), ("o", o), ("down", down), ("loose", loose)]);
        using var runs = new CastRuns(store.Weights, store.Gradients, store.OffsetOf, [[[q, k], [o], [down]], [[loose]]]);
        Assert.Equal(3, runs.Count); // [q k | o], [down] (16 columns), [loose] (another block)
        Assert.True(runs.TryJoined([q, k], ScalarType.BFloat16, out var qk));
        Assert.Equal([6L, 8], qk.shape);
        Assert.False(runs.TryJoined([k, q], ScalarType.BFloat16, out _)); // not a piece
        Assert.True(runs.TryCast(k, ScalarType.BFloat16, out var kAlone)); // a fused part alone: its rows of the piece
        Assert.Equal(k.detach().to(ScalarType.BFloat16).data<BFloat16>().ToArray(), kAlone.detach().data<BFloat16>().ToArray());

        // its gradient reaches k's own gradient, through the store
        using (torch.enable_grad())
            (kAlone.to(ScalarType.Float32) * 3).sum().backward();
        Assert.All(k.grad!.data<float>().ToArray(), g => Assert.Equal(3f, g));
        Assert.All(q.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));

        // a run's pieces are refreshed from the store after Invalidate, not before
        using (torch.no_grad()) o.fill_(2.0);
        Assert.True(runs.TryCast(o, ScalarType.BFloat16, out var oCast));
        Assert.NotEqual(2f, oCast.detach().to(ScalarType.Float32).max().item<float>());
        runs.Invalidate();
        Assert.True(runs.TryCast(o, ScalarType.BFloat16, out oCast));
        Assert.All(oCast.detach().to(ScalarType.Float32).data<float>().ToArray(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Pieces_apart_in_the_store_or_over_the_size_limit_start_new_runs_and_others_stay_out()
    {
        var (a, b, c, vector) = (Matrix(4, 8), Matrix(4, 8), Matrix(4, 8), new Parameter(torch.randn(8)));
        using var store = new FlatStore([("a", a), ("c", c), ("b", b), ("vector", vector)]); // b does not follow a
        using var apart = new CastRuns(store.Weights, store.Gradients, store.OffsetOf, [[[a], [b], [c]]]);
        Assert.Equal(3, apart.Count);
        using var limited = new CastRuns(store.Weights, store.Gradients, store.OffsetOf, [[[a], [c]]], maxValues: 40);
        Assert.Equal(2, limited.Count); // 32 + 32 values over a limit of 40
        using var vectors = new CastRuns(store.Weights, store.Gradients, store.OffsetOf, [[[vector]]]);
        Assert.Equal(0, vectors.Count);
        Assert.False(vectors.TryCast(vector, ScalarType.BFloat16, out _));
    }

    [Fact]
    public void Over_a_bf16_store_a_fused_weight_is_a_view_of_it_with_the_outputs_and_gradients_of_joined_casts()
    {
        var generator = new Generator(3);
        using var fp32Casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        using var bf16Casts = new ComputeCasts { ComputeType = ScalarType.BFloat16 };
        List<Linear> Parts(ComputeCasts casts) => [new(16, 24, casts), new(16, 8, casts), new(16, 8, casts)];
        var (cast, store) = (Parts(fp32Casts), Parts(bf16Casts)); // the same bf16 values: fp32 weights cast per step, and bf16 weights
        using (torch.no_grad())
            foreach (var (a, b) in cast.Zip(store))
            {
                a.Weight.copy_(torch.randn(a.Weight.shape, generator: generator).to(ScalarType.BFloat16));
                b.Weight.copy_(a.Weight);
                b.to(ScalarType.BFloat16);
            }
        using var flat = new FlatStore(store.Select((p, i) => ($"w{i}", p.Weight)));
        bf16Casts.Runs = new CastRuns(flat.Weights, flat.Gradients, flat.OffsetOf, [[[.. store.Select(p => p.Weight)]]]);

        var x = torch.randn([2, 5, 16], generator: generator);
        Tensor[] Run(IReadOnlyList<Linear> parts, ComputeCasts casts)
        {
            var outputs = FusedProjection.Apply(parts, casts, x);
            outputs.Select((y, i) => (y.to(ScalarType.Float32) * (i + 1)).sum()).Aggregate((a, b) => a + b).backward();
            return outputs;
        }
        var (viaCasts, viaStore) = (Run(cast, fp32Casts), Run(store, bf16Casts));
        var joined = bf16Casts.Joined([.. store.Select(p => p.Weight)])!;
        using (torch.no_grad()) flat.Weights.fill_(0.5);
        Assert.All(joined.detach().to(ScalarType.Float32).data<float>().ToArray(), v => Assert.Equal(0.5f, v)); // no copy: a view of the store
        foreach (var (a, b) in viaCasts.Zip(viaStore))
            Assert.Equal(a.to(ScalarType.Float32).data<float>().ToArray(), b.to(ScalarType.Float32).data<float>().ToArray());
        foreach (var (a, b) in cast.Zip(store))
            Assert.Equal(a.Weight.grad!.data<float>().ToArray(), b.Weight.grad!.to(ScalarType.Float32).data<float>().ToArray());
    }
}
