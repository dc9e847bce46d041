// A check of the job's collectives on known tensors, for `rho1 info --collectives` (and scripts/gpu-check.sh's
// NCCL stage): every rank all-reduces, all-gathers, reduce-scatters and broadcasts values that follow from its rank, and compares
// the results with their closed forms. Run under a launcher it tests the whole job; alone, a communicator of one
// (RHO1_COLLECTIVES=nccl) still goes through the engine's every call.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public static class CollectivesCheck
{
    public sealed record Result(string Backend, int Size, bool Ok, string Detail, double Seconds);

    /// <summary>Runs the three collectives on <paramref name="device"/>'s tensors (fp32, and bf16 for the all-reduce) and checks them.</summary>
    public static Result Run(ICollectives world, Device device)
    {
        var clock = Stopwatch.StartNew();
        int n = world.Size, r = world.Rank;
        var problems = new List<string>();
        using var scope = torch.NewDisposeScope();
        // Rank r holds (r + 1) · [1, 2, 3, 4]: the sum is n(n + 1)/2 · [1, 2, 3, 4].
        // bf16 sums are NCCL's (bf16 gradient reduction); MPI sums fp32, fp64 and int64 only.
        var dtypes = device.type == DeviceType.CUDA ? new[] { ScalarType.Float32, ScalarType.BFloat16 } : [ScalarType.Float32];
        // Every value is made on the host (no bare numbers handed to libtorch: src/BannedSymbols.txt).
        static Tensor Times(int count, double factor, int first = 1) => torch.tensor(Enumerable.Range(first, count).Select(i => (float)(i * factor)).ToArray());
        foreach (var dtype in dtypes)
        {
            var t = Times(4, r + 1).to(dtype).to(device);
            world.AllReduceSum(t);
            var expected = Times(4, n * (n + 1) / 2.0);
            if (!torch.allclose(t.to(ScalarType.Float32).cpu(), expected, rtol: 0, atol: 0))
                problems.Add($"all-reduce ({dtype}) gave [{string.Join(", ", t.to(ScalarType.Float32).cpu().data<float>().ToArray())}], expected [{string.Join(", ", expected.data<float>().ToArray())}]");
        }
        var gathered = world.AllGather(Times(2, 0).add_(torch.tensor((float)r), HeldScalars.One).unsqueeze(0).to(device)).cpu(); // (n, 2): row i = i
        var rows = Times(n, 1, first: 0).unsqueeze(1).expand(n, 2);
        if (!gathered.shape.SequenceEqual([n, 2]) || !torch.allclose(gathered, rows, rtol: 0, atol: 0))
            problems.Add($"all-gather gave [{string.Join(", ", gathered.data<float>().ToArray())}], expected rank i's row to hold i");
        // Reduce-scatter (ZeRO-1): rank r holds (r + 1) · [1 … 2n]; block r of the sum is n(n + 1)/2 · [2r + 1, 2r + 2].
        var scattered = torch.zeros(2, device: device);
        world.ReduceScatterSum(Times(2 * n, r + 1).to(device), scattered);
        var block = Times(2, n * (n + 1) / 2.0, first: 2 * r + 1);
        if (!torch.allclose(scattered.cpu(), block, rtol: 0, atol: 0))
            problems.Add($"reduce-scatter gave [{string.Join(", ", scattered.cpu().data<float>().ToArray())}], expected [{string.Join(", ", block.data<float>().ToArray())}]");
        var broadcast = Times(3, 0).add_(torch.tensor(r == 0 ? 7f : -1f), HeldScalars.One).to(device);
        world.Broadcast(broadcast, root: 0);
        if (!torch.allclose(broadcast.cpu(), Times(3, 0).add_(torch.tensor(7f), HeldScalars.One), rtol: 0, atol: 0))
            problems.Add($"broadcast gave [{string.Join(", ", broadcast.cpu().data<float>().ToArray())}], expected rank 0's 7s");
        world.Barrier();
        return new Result(world.Backend, n, problems.Count == 0,
            problems.Count == 0 ? $"all-reduce ({string.Join(", ", dtypes.Select(d => d == ScalarType.Float32 ? "fp32" : "bf16"))}), all-gather, reduce-scatter and broadcast equal their closed forms"
                : string.Join("; ", problems),
            clock.Elapsed.TotalSeconds);
    }
}
