// train.zero=2 (bf16 working weights, fp32 masters sharded with the moments) against fp32 AdamW fed the same gradients:
// each rank's micro-batch gradients are bf16 values, the reference sums them as the collectives do (ranks in order, then
// micro-batches, then the mean) in fp32. On 1, 2 and 3 ranks (threads, ThreadedWorld) with buckets and norm blocks that
// cut parameters apart: the same clipping norm, the bf16 weights equal to the reference's fp32 weights cast to bf16, and
// the checkpoint parts, read by an unsharded fp32 optimizer or by zero=2 at another world size, the reference's weights and
// moments, all to the bit.
using Rho1.Distributed;
using Rho1.Tests.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Rho1.Optimization.AdamW;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class ZeroTwoTests
{
    static List<(string Name, Parameter Param)> Parameters() =>
    [
        ("w1", new Parameter(torch.randn([7, 5], generator: new Generator(1)))),
        ("b1", new Parameter(torch.randn([5], generator: new Generator(2)))),
        ("w2", new Parameter(torch.randn([3, 11], generator: new Generator(3)))),
        ("b2", new Parameter(torch.randn([9], generator: new Generator(4)))),
    ];

    /// <summary>A zero=2 optimizer over bf16 copies of Parameters(), with their fp32 values as masters; the bf16 parameters.</summary>
    static (AdamW Optimizer, List<(string Name, Parameter Param)> Working) Sharded(ICollectives world, long bucket, long normBlock, ScalarType wire = ScalarType.Float32)
    {
        var fp32 = Parameters();
        var masters = AdamW.MasterSlice(fp32, world, bucket, normBlock);
        var working = fp32.Select(p => (p.Name, new Parameter(p.Param.detach().to(ScalarType.BFloat16)))).ToList();
        return (new AdamW(working, 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: bucket, normBlock: normBlock, masters: masters) { ReduceType = wire }, working);
    }

    /// <summary>Rank <paramref name="rank"/>'s gradient of parameter <paramref name="i"/> in micro-batch <paramref name="micro"/> of <paramref name="step"/>: bf16 values.</summary>
    static Tensor Gradient(Parameter p, int i, int step, int micro, int rank) =>
        (torch.randn(p.shape, generator: new Generator((ulong)(1000 * step + 100 * micro + 10 * i + rank))) * (rank + 1)).to(ScalarType.BFloat16);

    /// <summary>The step's averaged gradient as zero=2 forms it, in fp32: per micro-batch the ranks summed in order, the micro-batches summed, then the mean.</summary>
    static Tensor Mean(Parameter p, int i, int step, int ranks, int micros)
    {
        Tensor? sum = null;
        for (int micro = 0; micro < micros; micro++)
        {
            var ofMicro = Gradient(p, i, step, micro, 0).to(ScalarType.Float32);
            for (int r = 1; r < ranks; r++) ofMicro.add_(Gradient(p, i, step, micro, r).to(ScalarType.Float32));
            sum = sum is null ? ofMicro : sum.add_(ofMicro);
        }
        return ranks == 1 ? sum! : sum!.div_(ranks);
    }

    static void SetGradients(List<(string Name, Parameter Param)> ps, Func<Parameter, int, Tensor> gradient)
    {
        using var noGrad = torch.no_grad();
        foreach (var (i, (_, p)) in ps.Select((x, i) => (i, x)))
            p.grad!.copy_(gradient(p, i));
    }

    static bool Same(Tensor a, Tensor b) => a.dtype == b.dtype && a.eq(b).all().item<bool>();

    [Theory]
    [InlineData(1, 1000L, 4L)]
    [InlineData(2, 12L, 4L)] // buckets of 12 values: parameters cut across buckets, ranks and the decay boundary
    [InlineData(3, 40L, 2L)]
    public void Sharded_masters_update_as_fp32_AdamW_and_their_parts_reshard_to_the_bit(int ranks, long bucket, long normBlock)
    {
        const int steps = 4, micros = 2;
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: normBlock);
        var norms = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            SetGradients(plainParams, (p, i) => Mean(p, i, step, ranks, micros));
            norms.Add(plain.ClipGradients(step < 2 ? 0.5 : 0.0).item<float>()); // clipping active, then off
            plain.Update(1e-2);
        }
        var plainState = plain.State().ToDictionary(s => s.Name, s => s.Tensor.clone());

        using var dir = new Rho1.Tests.Fixtures.TempDirectory();
        var paths = Enumerable.Range(0, ranks).Select(r => Path.Combine(dir.Path, Rho1.Model.Storage.CheckpointFiles.PartFile(r, ranks))).ToList();
        ThreadedWorld.Run(ranks, world =>
        {
            var (sharded, working) = Sharded(world, bucket, normBlock);
            using var _ = sharded;
            Assert.True(sharded.ShardedMasters);
            for (int step = 0; step < steps; step++)
            {
                for (int micro = 0; micro < micros; micro++)
                {
                    SetGradients(working, (p, i) => Gradient(p, i, step, micro, world.Rank));
                    sharded.AccumulateMicroBatch();
                    Assert.True(working.All(p => p.Param.grad!.eq(0).all().item<bool>()), "the store's gradient is zeroed for the next micro-batch");
                }
                sharded.ReduceGradients(world);
                Assert.Equal(norms[step], sharded.ClipGradients(step < 2 ? 0.5 : 0.0).item<float>());
                sharded.Update(1e-2);
                sharded.ZeroGrad();
            }
            for (int i = 0; i < working.Count; i++)
                Assert.True(Same(working[i].Param, plainParams[i].Param.detach().to(ScalarType.BFloat16)), $"rank {world.Rank}: {working[i].Name} is not the masters' cast");
            Rho1.IO.TensorFile.Save(paths[world.Rank], sharded.PartState());
        });

        // An unsharded fp32 optimizer takes the masters as its weights, and the moments, to the bit.
        var resumedParams = Parameters();
        using (var unsharded = new AdamW(resumedParams, 0.9, 0.95, 1e-8, 0.1))
        {
            unsharded.LoadParts(paths.Select(Rho1.IO.TensorFile.Load), plain.Step);
            for (int i = 0; i < resumedParams.Count; i++)
                Assert.True(Same(resumedParams[i].Param, plainParams[i].Param), $"{resumedParams[i].Name}: master weights not restored");
            Assert.All(unsharded.State(), s => Assert.True(Same(s.Tensor, plainState[s.Name]), s.Name));
        }
        // zero=2 at another world size (2 ranks, other buckets) takes its slices of them, and one more step matches.
        SetGradients(plainParams, (p, i) => Mean(p, i, steps, 2, 1));
        plain.Update(1e-2);
        ThreadedWorld.Run(2, world =>
        {
            var (resumed, working) = Sharded(world, 16, 4);
            using var _ = resumed;
            resumed.LoadParts(paths.Select(Rho1.IO.TensorFile.Load), steps);
            SetGradients(working, (p, i) => Gradient(p, i, steps, 0, world.Rank));
            resumed.AccumulateMicroBatch();
            resumed.ReduceGradients(world);
            resumed.Update(1e-2);
            for (int i = 0; i < working.Count; i++)
                Assert.True(Same(working[i].Param, plainParams[i].Param.detach().to(ScalarType.BFloat16)), $"rank {world.Rank}: {working[i].Name} after resharding");
        });
    }

    [Fact]
    public void A_gated_update_skips_or_applies_on_the_masters_as_fp32_AdamW_does()
    {
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: 4);
        bool[] apply = [true, false, true];
        for (int step = 0; step < apply.Length; step++)
        {
            SetGradients(plainParams, (p, i) => Mean(p, i, step, 2, 1));
            plain.ClipGradients(1.0);
            plain.Update(1e-2, torch.tensor(apply[step]));
        }
        ThreadedWorld.Run(2, world =>
        {
            var (sharded, working) = Sharded(world, 20, 4);
            using var _ = sharded;
            for (int step = 0; step < apply.Length; step++)
            {
                SetGradients(working, (p, i) => Gradient(p, i, step, 0, world.Rank));
                sharded.AccumulateMicroBatch();
                sharded.ReduceGradients(world);
                sharded.ClipGradients(1.0);
                sharded.Update(1e-2, torch.tensor(apply[step]));
                sharded.ZeroGrad();
            }
            Assert.Equal(2, sharded.Step);
            for (int i = 0; i < working.Count; i++)
                Assert.True(Same(working[i].Param, plainParams[i].Param.detach().to(ScalarType.BFloat16)), $"rank {world.Rank}: {working[i].Name} differs");
        });
    }

    [Fact]
    public void With_bf16_on_the_wire_buckets_travel_as_bf16_where_the_collectives_sum_it()
    {
        // train.grad_reduce_dtype=bf16 over collectives that sum bfloat16 (NCCL): each bucket reduce-scattered as it lies in
        // the store, the ranks' sum rounded to bf16, then added into the fp32 sum. Reference: fp32 AdamW fed that mean.
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: 4);
        SetGradients(plainParams, (p, i) => Gradient(p, i, 0, 0, 0).add(Gradient(p, i, 0, 0, 1)).to(ScalarType.Float32).div_(2));
        plain.Update(1e-2);
        var wires = new List<ScalarType>[2];
        ThreadedWorld.Run(2, threads =>
        {
            var world = new Bf16SummingWorld(threads);
            var (sharded, working) = Sharded(world, 20, 4, ScalarType.BFloat16);
            using var _ = sharded;
            SetGradients(working, (p, i) => Gradient(p, i, 0, 0, world.Rank));
            sharded.AccumulateMicroBatch();
            sharded.ReduceGradients(world);
            sharded.Update(1e-2);
            wires[world.Rank] = world.ReduceScattered;
            for (int i = 0; i < working.Count; i++)
                Assert.True(Same(working[i].Param, plainParams[i].Param.detach().to(ScalarType.BFloat16)), $"rank {world.Rank}: {working[i].Name} differs");
        });
        Assert.All(wires, w => Assert.Equal(ScalarType.BFloat16, Assert.Single(w.Distinct())));
    }

    [Fact]
    public void Parts_of_a_zero_1_run_leave_the_masters_as_they_were()
    {
        // A zero=1 checkpoint has no "w" in its parts: its weights come from model.bin (the masters given at construction).
        var fp32 = Parameters();
        using var dir = new Rho1.Tests.Fixtures.TempDirectory();
        string path = Path.Combine(dir.Path, Rho1.Model.Storage.CheckpointFiles.PartFile(0, 1));
        using (var zeroOne = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1, shardOver: SingleProcess.Instance, bucketValues: 16, normBlock: 4))
            Rho1.IO.TensorFile.Save(path, zeroOne.PartState());
        Assert.False(Rho1.IO.TensorFile.Load(path).ContainsKey("w"));
        ThreadedWorld.Run(1, world =>
        {
            var (resumed, working) = Sharded(world, 16, 4);
            using var _ = resumed;
            resumed.LoadParts([Rho1.IO.TensorFile.Load(path)], 0);
            Assert.True(Same(working[0].Param, fp32[0].Param.detach().to(ScalarType.BFloat16)));
        });
    }

    [Fact]
    public void Each_of_N_ranks_keeps_a_quarter_of_masters_moments_and_gradient_sum()
    {
        var fp32 = Parameters();
        long total = fp32.Sum(p => p.Param.numel());
        var world = new SimulatedRank(1, 4, chunk => torch.cat([.. Enumerable.Repeat(chunk, 4)])); // the gather at construction
        var working = fp32.Select(p => (p.Name, new Parameter(p.Param.detach().to(ScalarType.BFloat16)))).ToList();
        using var sharded = new AdamW(working, 0.9, 0.95, 1e-8, 0.1, shardOver: world, normBlock: 1, masters: AdamW.MasterSlice(fp32, world, normBlock: 1));
        Assert.Equal(4 * ((total + 3) / 4), sharded.LocalStateElements); // one bucket: masters, moments and gradient sum of a quarter
    }
}
