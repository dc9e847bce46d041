// Measures dense matmul throughput (GFLOP/s) on a device, in fp32 and bf16. This is the "peak" that MFU is
// reported against, so it is measured the way the trainer computes: square matmuls through libtorch.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Platform;

public static class MatmulThroughput
{
    /// <summary>Median GFLOP/s of an n×n by n×n matmul over <paramref name="repeats"/> timed runs, after one warm-up.</summary>
    public static double Measure(Device device, ScalarType dtype, int n = 2048, int repeats = 5)
    {
        if (n <= 0 || repeats <= 0)
            throw new ArgumentOutOfRangeException(nameof(n), $"n={n}, repeats={repeats}: both must be positive");
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(1234);
        var a = torch.randn(new long[] { n, n }, generator: generator).to(dtype).to(device);
        var b = torch.randn(new long[] { n, n }, generator: generator).to(dtype).to(device);
        var times = new double[repeats];
        Sync(a.matmul(b));
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            Sync(a.matmul(b));
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        double flops = 2.0 * n * n * (double)n;
        return flops / times[repeats / 2] / 1e9;
    }

    static void Sync(Tensor t)
    {
        if (t.device_type == DeviceType.CUDA)
            torch.cuda.synchronize();
        t.Dispose();
    }
}
