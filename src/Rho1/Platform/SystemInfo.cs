// What `rho1 info` reports: versions, devices and measured matmul throughput. Pure data plus one collector;
// printing is the CLI's job. JSON names are an interface (scripts read them), so they are fixed here.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using TorchSharp;

namespace Rho1.Platform;

/// <param name="Tf32">fp32 matmuls with TF32 tensor cores allowed (what training uses on CUDA); null on the CPU.</param>
public sealed record MatmulGflops(
    [property: JsonPropertyName("fp32")] double Fp32,
    [property: JsonPropertyName("bf16")] double Bf16,
    [property: JsonPropertyName("tf32")] double? Tf32 = null);

public sealed record SystemInfo(
    [property: JsonPropertyName("rho1")] string Rho1,
    [property: JsonPropertyName("dotnet")] string DotNet,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("torchsharp")] string TorchSharp,
    [property: JsonPropertyName("libtorch")] string LibTorch,
    [property: JsonPropertyName("devices")] IReadOnlyList<string> Devices,
    [property: JsonPropertyName("cuda_device_names")] IReadOnlyList<string> CudaDeviceNames,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("measured_on")] string MeasuredOn,
    [property: JsonPropertyName("matmul_gflops")] MatmulGflops? MatmulGflops)
{
    /// <summary>Collects versions and devices; measures matmul throughput on <paramref name="device"/> unless <paramref name="measure"/> is false.</summary>
    public static SystemInfo Collect(torch.Device device, bool measure, int matmulSize = 2048)
    {
        string torchSharp = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";
        var devices = new List<string> { "cpu" };
        int cudaCount = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        for (int i = 0; i < cudaCount; i++)
            devices.Add($"cuda:{i}");
        MatmulGflops? gflops = measure ? Measure(device, matmulSize) : null;
        return new SystemInfo(
            typeof(SystemInfo).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            torchSharp,
            torch.__version__,
            devices,
            cudaCount > 0 ? CudaNames(cudaCount) : Array.Empty<string>(),
            torch.get_num_threads(),
            DeviceSpec.Name(device),
            gflops);
    }

    static MatmulGflops Measure(torch.Device device, int matmulSize)
    {
        bool cuda = device.type == DeviceType.CUDA;
        int n = cuda ? Math.Max(matmulSize, 8192) : matmulSize; // small matmuls measure launch overhead on a GPU
        bool tf32 = cuda && torch.backends.cuda.matmul.allow_tf32;
        if (cuda) torch.backends.cuda.matmul.allow_tf32 = false;
        // On the CPU bounded in time (seconds), not in work: emulated bf16 would take minutes at a fixed size.
        double fp32 = cuda ? MatmulThroughput.Measure(device, torch.ScalarType.Float32, n) : MatmulThroughput.MeasureWithin(device, torch.ScalarType.Float32, TimeSpan.FromSeconds(3), matmulSize);
        double bf16 = cuda ? MatmulThroughput.Measure(device, torch.ScalarType.BFloat16, n) : MatmulThroughput.MeasureWithin(device, torch.ScalarType.BFloat16, TimeSpan.FromSeconds(3), matmulSize);
        double? withTf32 = null;
        if (cuda)
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            withTf32 = Math.Round(MatmulThroughput.Measure(device, torch.ScalarType.Float32, n), 1);
            torch.backends.cuda.matmul.allow_tf32 = tf32;
        }
        return new MatmulGflops(Math.Round(fp32, 1), Math.Round(bf16, 1), withTf32);
    }

    // TorchSharp exposes no device-name query; nvidia-smi does, where the driver is installed.
    static IReadOnlyList<string> CudaNames(int count)
    {
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p != null)
            {
                string[] lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                p.WaitForExit(5000);
                if (lines.Length >= count)
                    return lines[..count];
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        return Enumerable.Range(0, count).Select(i => $"cuda:{i} (name unknown)").ToArray();
    }
}
