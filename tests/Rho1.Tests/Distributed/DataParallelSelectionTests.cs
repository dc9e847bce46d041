// The data-parallel objective without MPI: each simulated rank sees its rows of a global batch, gathers the
// global losses and keeps its rows of the global mask; the ranks' averaged gradients must equal the gradient
// of one process ranking the whole batch (batch, sequence and global selection), and the data loader's rank
// slices must be exactly the single-process batch.
using Rho1.Data.Batches;
using Rho1.Data.Reading;
using Rho1.Distributed;
using Rho1.Selection;
using Rho1.Tests.Fixtures;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

[Collection("synthetic")]
public class DataParallelSelectionTests(SyntheticData data)
{
    [Theory]
    [InlineData("batch", "loss", 2)]
    [InlineData("batch", "random", 4)]
    [InlineData("sequence", "loss", 2)]
    [InlineData("global", "loss", 2)]
    public void Averaged_rank_gradients_equal_the_single_process_gradient(string select, string score, int ranks)
    {
        const int B = 8, T = 12;
        var global = torch.rand([B, T], generator: new Generator(7)) * 3;
        var config = new SelectionConfig { Ratio = 0.4, Select = select, Score = score };
        var batch = new Batch(torch.zeros(1), torch.zeros(1), []);

        var whole = global.clone().requires_grad_(true);
        var single = new SelectiveObjective(config, null, totalSteps: 10, seed: 3);
        single.Reduce(whole, batch, step: 0, withStats: false).Loss.backward();

        var averaged = torch.zeros(B, T);
        int rows = B / ranks;
        for (int r = 0; r < ranks; r++)
        {
            var local = global.narrow(0, r * rows, rows).clone().requires_grad_(true);
            var world = new SimulatedRank(r, ranks, gather: t =>
            {
                Assert.Equal(new long[] { rows, T }, t.shape);
                Assert.Equal(global.narrow(0, r * rows, rows).data<float>().ToArray(), t.data<float>().ToArray()); // its own rows
                return global.clone();
            });
            var objective = new SelectiveObjective(config, null, totalSteps: 10, seed: 3, world);
            objective.Reduce(local, batch, step: 0, withStats: false).Loss.backward();
            averaged.narrow(0, r * rows, rows).add_(local.grad! / ranks);
        }
        Assert.True(torch.allclose(averaged, whole.grad!, rtol: 1e-6, atol: 1e-7),
            $"largest difference {(averaged - whole.grad!).abs().max().item<float>()}");
        Assert.True(whole.grad!.count_nonzero().item<long>() < B * T, "nothing was left out: the test would not see a wrong mask");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Rank_slices_of_each_batch_are_the_single_process_batch(int ranks)
    {
        using var dataset = TokenDataset.Open(data.Noisy);
        var split = dataset.Split("train");
        var single = new BatchLoader(split, 8, 16, seed: 5, torch.CPU);
        var loaders = Enumerable.Range(0, ranks).Select(r => new BatchLoader(split, 8, 16, seed: 5, torch.CPU, r, ranks)).ToList();
        for (int step = 0; step < 3; step++)
        {
            var expected = single.Next();
            var parts = loaders.Select(l => l.Next()).ToList();
            Assert.Equal(expected.Inputs.data<long>().ToArray(), torch.cat(parts.Select(p => p.Inputs).ToArray(), 0).data<long>().ToArray());
            Assert.Equal(expected.Targets.data<long>().ToArray(), torch.cat(parts.Select(p => p.Targets).ToArray(), 0).data<long>().ToArray());
            Assert.Equal(expected.Starts, parts.SelectMany(p => p.Starts));
        }
        Assert.All(loaders, l => Assert.Equal(single.Sampler.Cursor, l.Sampler.Cursor)); // the cursor is global: resumable at any world size
        Assert.Throws<ArgumentException>(() => new BatchLoader(split, 8, 16, 5, torch.CPU, 0, 3));
    }
}
