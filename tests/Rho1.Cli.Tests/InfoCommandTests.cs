// `rho1 info` and the CLI conventions every verb shares: exit codes and one-line errors.
using System.Text.Json;

namespace Rho1.Cli.Tests;

public class InfoCommandTests
{
    [Fact]
    public void Info_json_names_libtorch_2_10_and_the_cpu_device()
    {
        var r = CliRunner.Run("info", "--json", "--device", "cpu");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.StartsWith("2.10", root.GetProperty("libtorch").GetString());
        Assert.Equal("0.107.0", root.GetProperty("torchsharp").GetString());
        Assert.Contains("cpu", root.GetProperty("devices").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("threads").GetInt32() >= 1);
        var g = root.GetProperty("matmul_gflops");
        Assert.True(g.GetProperty("fp32").GetDouble() > 0);
        Assert.True(g.GetProperty("bf16").GetDouble() > 0);
    }

    [Fact]
    public void Unknown_verb_is_one_line_and_exit_2()
    {
        var r = CliRunner.Run("nosuchverb");
        Assert.Equal(2, r.ExitCode);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("nosuchverb", lines[0]);
    }

    [SkippableFact]
    public void Cuda_without_cuda_is_one_line_and_exit_2()
    {
        Skip.If(TorchSharp.torch.cuda.is_available(), "CUDA is available here: the case only exists on a machine without it");
        var r = CliRunner.Run("info", "--device", "cuda");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("CUDA is not available", lines[0]);
    }

    [Fact]
    public void Response_files_supply_arguments()
    {
        string rsp = Path.Combine(Path.GetTempPath(), $"rho1-{Guid.NewGuid():N}.rsp");
        File.WriteAllText(rsp, "info\n--json\n--no-bench\n--device\ncpu\n");
        try
        {
            var r = CliRunner.Run("@" + rsp);
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Stdout);
            Assert.False(doc.RootElement.TryGetProperty("matmul_gflops", out var g) && g.ValueKind != JsonValueKind.Null);
        }
        finally
        {
            File.Delete(rsp);
        }
    }
}
