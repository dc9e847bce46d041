// Gradient averaging over the flat gradient buffer: the all-reduce of
// its consecutive views must give every parameter exactly the mean over ranks, whatever the bucket boundaries.
using Rho1.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

public class GradientBucketsTests
{
    [Theory]
    [InlineData(5)]      // many buckets, tensors cut into pieces (reduced in place) and pieces packed with their neighbours
    [InlineData(1_000)]  // one bucket
    public void Averaging_gives_each_gradient_the_mean_over_ranks(long bucketElements)
    {
        var shapes = new long[][] { [3, 4], [5], [2, 2, 2], [1] };
        var parameters = shapes.Select((s, i) => ($"p{i}", new TorchSharp.Modules.Parameter(torch.zeros(s)))).ToList();
        using var store = new Rho1.Optimization.FlatStore(parameters); // the gradients become views of one buffer
        var mine = shapes.Select((s, i) => torch.arange(s.Aggregate(1L, (a, b) => a * b), dtype: ScalarType.Float32).reshape(s) + i).ToList();
        foreach (var ((_, p), g) in parameters.Zip(mine)) (p * g).sum().backward(); // p.grad = g
        // Three ranks: the other two hold 2·g and 6·g, so the mean is 3·g.
        var world = new SimulatedRank(0, 3, _ => throw new InvalidOperationException(), others: t => t * 8);
        double seconds = GradientBuckets.AllReduceMean(world, store.Gradients, maxElements: bucketElements);
        foreach (var ((_, p), g) in parameters.Zip(mine))
            Assert.Equal((g * 3).data<float>().ToArray(), p.grad!.data<float>().ToArray());
        Assert.Equal((store.Length + bucketElements - 1) / bucketElements, world.Calls); // buckets are consecutive views: no packing
        Assert.True(seconds >= 0);
    }

    [Fact]
    public void Bfloat16_on_the_wire_is_within_its_stated_bound_of_the_fp32_mean()
    {
        // Two ranks over MPI (no bfloat16 sum): each rank's values rounded to bfloat16 once, gathered, summed in fp32.
        var g = torch.randn(4096, generator: new Generator(7)) * 1e-3;
        var other = torch.randn(4096, generator: new Generator(8)) * 1e-3;
        var p = torch.zeros(4096, requires_grad: true);
        (p * g).sum().backward();
        long offset = 0; // the other rank's values arrive a slice at a time, in order
        var world = new SimulatedRank(0, 2, mine =>
        {
            var theirs = other.narrow(0, offset, mine.shape[1]).to(ScalarType.BFloat16).unsqueeze(0);
            offset += mine.shape[1];
            return torch.cat([mine, theirs], 0);
        });
        GradientBuckets.AllReduceMean(world, p.grad!, ScalarType.BFloat16);
        var exact = (g + other) / 2;
        var error = (p.grad! - exact).abs();
        var bound = (g.abs() + other.abs()) / 2 * Math.Pow(2, -8) + 1e-12; // unit roundoff of bfloat16 (8-bit significand)
        Assert.True(error.le(bound).all().item<bool>(), $"largest error over bound {(error / bound).max().item<float>()}");
        Assert.True(error.max().item<float>() > 0); // the values did travel as bfloat16
        Assert.Equal(2, world.Calls); // the one bucket gathered in halves: two ranks' copies of half a bucket at a time
        Assert.Equal(4096, offset);
    }

    [Fact]
    public void One_process_sends_nothing()
    {
        var p = torch.ones(2, requires_grad: true);
        (p * 5).sum().backward();
        Assert.Equal(0, GradientBuckets.AllReduceMean(SingleProcess.Instance, p.grad!));
        Assert.Equal([5f, 5f], p.grad!.data<float>().ToArray());
    }
}
