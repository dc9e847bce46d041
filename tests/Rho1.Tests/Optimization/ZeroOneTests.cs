// ZeRO-1 (AdamW sharded over ranks) against unsharded AdamW fed the same averaged gradients: on 1, 2 and 3 ranks (threads
// of this process, ThreadedWorld) with buckets and norm blocks small enough to cut parameters and the decayed/undecayed
// boundary apart, every rank ends with the same weights to the bit, the same clipping norm, and the same whole moments in
// its checkpoint state; each reads the other's state back. Real ranks (mpirun): Rho1.Cli.Tests' DataParallelTests.
using Rho1.Distributed;
using Rho1.Optimization;
using Rho1.Tests.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Rho1.Optimization.AdamW;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class ZeroOneTests
{
    static List<(string, Parameter)> Parameters() =>
    [
        ("w1", new Parameter(torch.randn([7, 5], generator: new Generator(1)))),
        ("b1", new Parameter(torch.randn([5], generator: new Generator(2)))),
        ("w2", new Parameter(torch.randn([3, 11], generator: new Generator(3)))),
        ("b2", new Parameter(torch.randn([9], generator: new Generator(4)))),
    ];

    /// <summary>Rank <paramref name="rank"/>'s gradient of parameter <paramref name="i"/> at <paramref name="step"/> (NaN everywhere on step 2 when asked).</summary>
    static Tensor Gradient(Parameter p, int i, int step, int rank) =>
        torch.randn(p.shape, generator: new Generator((ulong)(1000 * step + 10 * i + rank))) * (rank + 1);

    /// <summary>The mean over <paramref name="ranks"/> as the collectives make it: summed in rank order, then divided.</summary>
    static Tensor Mean(Parameter p, int i, int step, int ranks)
    {
        var sum = Gradient(p, i, step, 0);
        for (int r = 1; r < ranks; r++) sum.add_(Gradient(p, i, step, r));
        return ranks == 1 ? sum : sum.div_(ranks);
    }

    static void SetGradients(List<(string, Parameter)> ps, Func<Parameter, int, Tensor> gradient)
    {
        using var noGrad = torch.no_grad();
        foreach (var (i, (_, p)) in ps.Select((x, i) => (i, x)))
            p.grad!.copy_(gradient(p, i));
    }

    [Theory]
    [InlineData(1, 1000L, 4L)]
    [InlineData(2, 12L, 4L)] // buckets of 12 values in chunks of 8 (align 4): parameters cut across buckets, ranks and the decay boundary
    [InlineData(3, 40L, 2L)]
    [InlineData(3, 1000L, 16L)] // one bucket, a padded tail
    public void N_ranks_update_and_checkpoint_as_one_process_to_the_bit(int ranks, long bucket, long normBlock)
    {
        const int steps = 4;
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: normBlock);
        var norms = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            SetGradients(plainParams, (p, i) => Mean(p, i, step, ranks));
            norms.Add(plain.ClipGradients(step < 2 ? 0.5 : 0.0).item<float>()); // clipping active, then off
            plain.Update(1e-2);
        }
        var plainState = plain.State().Select(s => (s.Name, s.Tensor.clone())).ToList();

        ThreadedWorld.Run(ranks, world =>
        {
            var ps = Parameters();
            using var sharded = new AdamW(ps, 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: bucket, normBlock: normBlock);
            Assert.True(sharded.Sharded);
            for (int step = 0; step < steps; step++)
            {
                SetGradients(ps, (p, i) => Gradient(p, i, step, world.Rank));
                sharded.ReduceGradients(world);
                Assert.Equal(norms[step], sharded.ClipGradients(step < 2 ? 0.5 : 0.0).item<float>());
                sharded.Update(1e-2);
            }
            for (int i = 0; i < ps.Count; i++)
                Assert.True(ps[i].Item2.eq(plainParams[i].Item2).all().item<bool>(), $"rank {world.Rank}: {ps[i].Item1} differs");
            var state = sharded.State().ToList(); // a collective: every rank gathers the whole moments
            Assert.Equal(plainState.Select(s => s.Name), state.Select(s => s.Name));
            Assert.All(state.Zip(plainState), x => Assert.True(x.First.Tensor.eq(x.Second.Item2).all().item<bool>(), x.First.Name));

            // A plain checkpoint resumes sharded (and its state reads back whole), and the sharded state resumes plain.
            using var restored = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: bucket, normBlock: normBlock);
            restored.LoadState(plainState.ToDictionary(s => s.Name, s => s.Item2), plain.Step);
            Assert.Equal(steps, restored.Step);
            Assert.All(restored.State().Zip(plainState), x => Assert.True(x.First.Tensor.eq(x.Second.Item2).all().item<bool>(), x.First.Name));
            using var back = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1);
            back.LoadState(state.ToDictionary(s => s.Name, s => s.Tensor), steps);
            Assert.All(back.State().Zip(plainState), x => Assert.True(x.First.Tensor.eq(x.Second.Item2).all().item<bool>(), x.First.Name));
        });
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    [InlineData(8, 2)] // 82 values in chunks of 16: ranks 6 and 7 own nothing, and their parts say so
    public void Parts_written_at_N_ranks_are_read_at_M_ranks_and_unsharded_to_the_bit(int written, int read)
    {
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: 2);
        for (int step = 0; step < 3; step++)
        {
            SetGradients(plainParams, (p, i) => Mean(p, i, step, 1));
            plain.Update(1e-2);
        }
        var whole = plain.State().ToDictionary(s => s.Name, s => s.Tensor.clone());
        using var dir = new Rho1.Tests.Fixtures.TempDirectory();
        var paths = Enumerable.Range(0, written).Select(r => Path.Combine(dir.Path, Rho1.Model.Storage.CheckpointFiles.PartFile(r, written))).ToList();
        ThreadedWorld.Run(written, world =>
        {
            using var sharded = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: written == 8 ? 1000 : 30, normBlock: written == 8 ? 16 : 2);
            sharded.LoadState(whole, plain.Step);
            Rho1.IO.TensorFile.Save(paths[world.Rank], sharded.PartState());
        });
        ThreadedWorld.Run(read, world =>
        {
            using var resumed = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: 16, normBlock: 4);
            resumed.LoadParts(paths.Select(Rho1.IO.TensorFile.Load), plain.Step);
            Assert.Equal(plain.Step, resumed.Step);
            Assert.All(resumed.State(), s => Assert.True(s.Tensor.eq(whole[s.Name]).all().item<bool>(), s.Name));
        });
        using var unsharded = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1);
        unsharded.LoadParts(paths.Select(Rho1.IO.TensorFile.Load), plain.Step);
        Assert.All(unsharded.State(), s => Assert.True(s.Tensor.eq(whole[s.Name]).all().item<bool>(), s.Name));
        // A part missing is refused, not read as zeros.
        using var short_ = new AdamW(Parameters(), 0.9, 0.95, 1e-8, 0.1);
        Assert.Contains("cover", Assert.Throws<InvalidDataException>(() => short_.LoadParts(paths.Skip(1).Select(Rho1.IO.TensorFile.Load), 3)).Message);
    }

    [Fact]
    public void A_gated_update_on_the_device_skips_or_applies_on_every_rank_as_one_process()
    {
        var plainParams = Parameters();
        using var plain = new AdamW(plainParams, 0.9, 0.95, 1e-8, 0.1, normBlock: 4);
        bool[] apply = [true, false, true];
        for (int step = 0; step < apply.Length; step++)
        {
            SetGradients(plainParams, (p, i) => Mean(p, i, step, 2));
            plain.ClipGradients(1.0);
            plain.Update(1e-2, torch.tensor(apply[step]));
        }
        ThreadedWorld.Run(2, world =>
        {
            var ps = Parameters();
            using var sharded = new AdamW(ps, 0.9, 0.95, 1e-8, 0.1, shardOver: world, bucketValues: 20, normBlock: 4);
            for (int step = 0; step < apply.Length; step++)
            {
                SetGradients(ps, (p, i) => Gradient(p, i, step, world.Rank));
                sharded.ReduceGradients(world);
                sharded.ClipGradients(1.0);
                sharded.Update(1e-2, torch.tensor(apply[step]));
            }
            Assert.Equal(2, sharded.Step);
            for (int i = 0; i < ps.Count; i++)
                Assert.True(ps[i].Item2.eq(plainParams[i].Item2).all().item<bool>(), $"rank {world.Rank}: {ps[i].Item1} differs");
        });
    }

    [Fact]
    public void A_broadcast_gives_every_rank_rank_0s_weights_and_moments()
    {
        var states = new Dictionary<string, Tensor>[2];
        var weights = new Tensor[2][];
        ThreadedWorld.Run(2, world =>
        {
            var ps = Parameters();
            using var optimizer = new AdamW(ps, 0.9, 0.95, 1e-8, 0.1);
            SetGradients(ps, (p, i) => Gradient(p, i, 0, world.Rank)); // the ranks' copies part ways, as on CUDA
            optimizer.Update(1e-2);
            optimizer.Broadcast(world, root: 0);
            states[world.Rank] = optimizer.State().ToDictionary(s => s.Name, s => s.Tensor.clone());
            weights[world.Rank] = [.. ps.Select(p => p.Item2.detach().clone())];
        });
        Assert.All(weights[0].Zip(weights[1]), w => Assert.True(w.First.eq(w.Second).all().item<bool>()));
        Assert.All(states[0], kv => Assert.True(kv.Value.eq(states[1][kv.Key]).all().item<bool>(), kv.Key));
        var apart = Parameters();
        using var alone = new AdamW(apart, 0.9, 0.95, 1e-8, 0.1);
        SetGradients(apart, (p, i) => Gradient(p, i, 0, 1));
        alone.Update(1e-2);
        Assert.False(apart[0].Item2.eq(weights[0][0]).all().item<bool>()); // rank 1's own update was replaced
    }

    [Fact]
    public void Each_of_N_ranks_keeps_about_a_third_of_N_of_the_values()
    {
        var ps = Parameters();
        long total = ps.Sum(p => p.Item2.numel());
        var world = new SimulatedRank(1, 4, _ => throw new InvalidOperationException());
        using var sharded = new AdamW(ps, 0.9, 0.95, 1e-8, 0.1, shardOver: world, normBlock: 1);
        Assert.Equal(3 * ((total + 3) / 4), sharded.LocalStateElements); // one bucket: moments and gradient of a quarter, padded
    }
}
