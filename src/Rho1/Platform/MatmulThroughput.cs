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

    /// <summary>
    /// Median GFLOP/s within about <paramref name="budget"/>: the matmul grows from 128 while one takes under an eighth of the
    /// budget (up to <paramref name="maxN"/>), then repeats. Bounded in time whatever the CPU: a fixed 1024-matmul in
    /// emulated bf16 takes most of a minute.
    /// </summary>
    public static double MeasureWithin(Device device, ScalarType dtype, TimeSpan budget, int maxN = 2048)
    {
        var clock = Stopwatch.StartNew();
        int n = 128;
        while (n * 2 <= maxN)
        {
            double one = Time(device, dtype, n, repeats: 1);
            if (one * 8 >= budget.TotalSeconds || clock.Elapsed > budget / 2) break;
            n *= 2;
        }
        double single = Time(device, dtype, n, repeats: 1);
        int repeats = Math.Clamp((int)((budget - clock.Elapsed).TotalSeconds / Math.Max(single, 1e-6)), 3, 50);
        double seconds = Time(device, dtype, n, repeats);
        return 2.0 * n * n * (double)n / seconds / 1e9;
    }

    /// <summary>Median seconds of <paramref name="repeats"/> n×n matmuls after one warm-up.</summary>
    static double Time(Device device, ScalarType dtype, int n, int repeats)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(1234);
        var a = torch.randn(new long[] { n, n }, generator: generator).to(dtype).to(device);
        var b = torch.randn(new long[] { n, n }, generator: generator).to(dtype).to(device);
        Sync(a.matmul(b));
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            Sync(a.matmul(b));
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    static void Sync(Tensor t)
    {
        if (t.device_type == DeviceType.CUDA)
            torch.cuda.synchronize();
        t.Dispose();
    }
}
