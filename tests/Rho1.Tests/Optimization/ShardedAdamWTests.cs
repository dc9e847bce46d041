// ZeRO-1's optimizer against AdamW: on one rank it makes the same updates bit for bit and writes the same checkpoint
// state (names, shapes, values), which both read back; on N ranks it keeps about 3/N of the parameters' values.
// Two real ranks against one process: Rho1.Cli.Tests' DataParallelTests (mpirun).
using Rho1.Distributed;
using Rho1.Optimization;
using Rho1.Tests.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Rho1.Optimization.AdamW;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class ShardedAdamWTests
{
    static List<(string, Parameter)> Parameters(int seed) =>
    [
        ("w1", new Parameter(torch.randn([7, 5], generator: new Generator((ulong)seed)))),
        ("b1", new Parameter(torch.randn([5], generator: new Generator((ulong)seed + 1)))),
        ("w2", new Parameter(torch.randn([3, 11], generator: new Generator((ulong)seed + 2)))),
    ];

    static void Gradients(List<(string, Parameter)> ps, int step)
    {
        foreach (var (i, (_, p)) in ps.Select((x, i) => (i, x)))
        {
            p.grad?.zero_();
            (p * torch.randn(p.shape, generator: new Generator((ulong)(100 * step + i))) * p).sum().backward();
        }
    }

    [Theory]
    [InlineData(GradientBuckets.DefaultElements)]
    [InlineData(10)] // buckets that cut parameters apart
    public void On_one_rank_it_updates_as_AdamW_bit_for_bit_and_checkpoints_the_same_state(long bucket)
    {
        var a = Parameters(1);
        var b = Parameters(1);
        using var plain = new AdamW(a, 0.9, 0.95, 1e-8, 0.1);
        using var sharded = new ShardedAdamW(b, SingleProcess.Instance, 0.9, 0.95, 1e-8, 0.1, bucket);
        for (int step = 0; step < 4; step++)
        {
            Gradients(a, step);
            Gradients(b, step);
            plain.ReduceGradients(SingleProcess.Instance);
            sharded.ReduceGradients(SingleProcess.Instance);
            Assert.Equal(plain.ClipGradients(1.0).item<float>(), sharded.ClipGradients(1.0).item<float>(), 5);
            plain.Update(1e-2);
            sharded.Update(1e-2);
            for (int i = 0; i < a.Count; i++)
                Assert.True(a[i].Item2.eq(b[i].Item2).all().item<bool>(), $"step {step}: {a[i].Item1} differs");
        }
        var want = plain.State().ToList();
        var got = sharded.State().ToList();
        Assert.Equal(want.Select(s => s.Name), got.Select(s => s.Name));
        for (int i = 0; i < want.Count; i++)
            Assert.True(want[i].Tensor.eq(got[i].Tensor).all().item<bool>(), want[i].Name);
        // Each reads the other's state: a plain checkpoint resumes sharded, and back.
        var c = Parameters(1);
        using var restored = new ShardedAdamW(c, SingleProcess.Instance, 0.9, 0.95, 1e-8, 0.1, bucket);
        restored.LoadState(want.ToDictionary(s => s.Name, s => s.Tensor), plain.Step);
        Assert.All(restored.State().Zip(want), x => Assert.True(x.First.Tensor.eq(x.Second.Tensor).all().item<bool>()));
        Assert.Equal(4, restored.Step);
    }

    [Fact]
    public void Each_of_N_ranks_keeps_about_a_third_of_N_of_the_values()
    {
        var ps = Parameters(2);
        long total = ps.Sum(p => p.Item2.numel());
        var world = new SimulatedRank(1, 4, _ => throw new InvalidOperationException());
        using var sharded = new ShardedAdamW(ps, world, 0.9, 0.95, 1e-8, 0.1);
        Assert.Equal(3 * ((total + 3) / 4), sharded.LocalStateElements); // one bucket: moments and gradient of a quarter, padded
    }
}
