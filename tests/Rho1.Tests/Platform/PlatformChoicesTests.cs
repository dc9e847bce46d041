// The machine-dependent choices, as pure decisions: precision auto by device and CPU flags, the thread count by
// flag, variable and usable CPUs, and the objective as the start banner words it.
using System.Text.Json.Nodes;
using Rho1.Model;
using Rho1.Platform;
using Rho1.Training;

namespace Rho1.Tests.Platform;

public class PlatformChoicesTests
{
    const string Avx2 = "flags\t\t: fpu vme de pse tsc msr sse sse2 avx avx2 fma bmi2";
    const string Sapphire = "flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile";

    [Theory]
    [InlineData("auto", true, false, "bf16")]
    [InlineData("auto", false, true, "bf16")]
    [InlineData("auto", false, false, "fp32")]
    [InlineData("fp32", true, true, "fp32")]
    [InlineData("bf16", false, false, "bf16")] // explicit wins (with a warning at run start)
    public void Precision_auto_is_bf16_only_where_bf16_is_native(string requested, bool cuda, bool native, string resolved) =>
        Assert.Equal(resolved, ComputePrecision.Resolve(requested, cuda, native));

    [Fact]
    public void Native_bf16_is_read_from_the_cpu_flags()
    {
        Assert.False(CpuFeatures.HasNativeBf16(Avx2));
        Assert.True(CpuFeatures.HasNativeBf16(Sapphire));
        Assert.False(CpuFeatures.HasNativeBf16("flags : avx512_bf16x")); // whole flags only
        Assert.Equal("no avx512_bf16 or amx_bf16", CpuFeatures.Bf16Summary(Avx2));
        Assert.Equal("avx512_bf16 and amx_bf16", CpuFeatures.Bf16Summary(Sapphire));
        Assert.Throws<ArgumentException>(() => ComputePrecision.Parse("auto"));
    }

    [Fact]
    public void Threads_come_from_the_flag_then_the_variable_then_the_usable_cpus()
    {
        Assert.Equal(new ComputeThreads.Choice(3, "--threads"), ComputeThreads.Choose(3, "1"));
        Assert.Equal(new ComputeThreads.Choice(1, ComputeThreads.Variable), ComputeThreads.Choose(null, "1"));
        Assert.Equal(new ComputeThreads.Choice(1, "OMP_NUM_THREADS"), ComputeThreads.Choose(null, null, "1"));
        Assert.Equal(new ComputeThreads.Choice(2, ComputeThreads.Variable), ComputeThreads.Choose(null, "2", "1"));
        Assert.Equal(Environment.ProcessorCount, ComputeThreads.Choose(null, null).Threads);
        // Two processes of a launched job on this host share its CPUs; an explicit choice is still taken as given.
        Assert.Equal(Environment.ProcessorCount > 1 ? Math.Max(1, Environment.ProcessorCount / 2) : 1, ComputeThreads.Choose(null, null, null, processesOnHost: 2).Threads);
        Assert.Equal(3, ComputeThreads.Choose(3, null, null, processesOnHost: 2).Threads);
        Assert.Contains("--threads 0", Assert.Throws<UserErrorException>(() => ComputeThreads.Choose(0, null)).Message);
        Assert.Contains("RHO1_THREADS=two", Assert.Throws<UserErrorException>(() => ComputeThreads.Choose(null, "two")).Message);
    }

    [Fact]
    public void A_busy_machine_is_warned_about_only_when_the_threads_were_left_to_the_default()
    {
        var byDefault = new ComputeThreads.Choice(2, "the CPUs this process may use");
        Assert.Contains("load (3.9) already exceeds its 2 CPUs", ComputeThreads.BusyMachineWarning(3.9, 2, byDefault));
        Assert.Contains("exceeds", ComputeThreads.BusyMachineWarning(3.9, 2, null));
        Assert.Null(ComputeThreads.BusyMachineWarning(1.5, 2, byDefault));
        Assert.Null(ComputeThreads.BusyMachineWarning(3.9, 2, new ComputeThreads.Choice(1, "--threads")));
        // Under mpirun -np 2 on 2 CPUs with a thread each, the sibling rank's load is this job's, not another job's (issue 27).
        var shared = new ComputeThreads.Choice(1, "the CPUs this process may use, shared by the job's processes on this host");
        Assert.Null(ComputeThreads.BusyMachineWarning(2.1, 2, shared, siblingThreads: 1));
        Assert.Contains("load (3.5) already exceeds its 2 CPUs", ComputeThreads.BusyMachineWarning(3.5, 2, shared, siblingThreads: 1)); // and another job
    }

    [Fact]
    public void The_banner_words_the_objective()
    {
        Assert.Equal("plain: every token", StartBanner.Objective(new JsonObject { ["objective"] = "clm" }));
        Assert.Equal("selective: excess loss, top 60% per batch, offline scores runs/scores", StartBanner.Objective(new JsonObject
        {
            ["objective"] = "slm", ["ratio"] = 0.6, ["select"] = "batch", ["score"] = "excess", ["slm_start"] = 0.0,
            ["reference_mode"] = "offline", ["ref_scores"] = "runs/scores",
        }));
        Assert.Equal("selective: random (ablation), top 70% per sequence, plain for the first 20% of steps", StartBanner.Objective(new JsonObject
        {
            ["objective"] = "slm", ["ratio"] = 0.7, ["select"] = "sequence", ["score"] = "random", ["slm_start"] = 0.2,
        }));
        // Soft weights, a ratio schedule and a refreshing reference all change the gradient, so all are said (issue 27).
        Assert.Equal("selective: excess loss, top k% per batch, k linear from 100% to 60%, soft weights (sigmoid, temperature 0.2), " +
            "online reference runs/ref, refreshed every 25 steps (10 steps at lr 0.0001 on /data/clean)", StartBanner.Objective(new JsonObject
        {
            ["objective"] = "slm", ["ratio"] = 0.6, ["select"] = "batch", ["score"] = "excess", ["slm_start"] = 0.0, ["weighting"] = "soft", ["temperature"] = 0.2,
            ["ratio_schedule"] = "linear", ["ratio_start"] = 1.0, ["reference_mode"] = "online", ["reference"] = "runs/ref", ["ref_data"] = "/data/clean",
            ["ref_refresh_lr"] = 1e-4,
        }, new Rho1.Training.Configuration.SelectionConfig { Ratio = 0.6, RefRefreshEvery = 25, RefRefreshSteps = 10 }));
    }

    [Fact]
    public void The_collective_wait_is_described_as_the_engine_honours_it()
    {
        Assert.Equal("a collective waits at most 20 s (train.collective_timeout_s; barriers, where one rank works alone, without a limit)", StartBanner.CollectiveWait(watched: true, 20));
        Assert.Equal("a collective waits for ever (train.collective_timeout_s=0)", StartBanner.CollectiveWait(watched: true, 0));
        Assert.StartsWith("a collective waits without a time limit", StartBanner.CollectiveWait(watched: false, 20));
        Assert.DoesNotContain("at most", StartBanner.CollectiveWait(watched: false, 20));
    }
}
