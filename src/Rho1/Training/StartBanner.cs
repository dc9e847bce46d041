// The lines a training run starts with, in the console log and in train.log: where it runs and with what, the
// objective in words, and where its files go, so that a log read later says what the run was.
using System.Globalization;
using System.Text.Json.Nodes;
using Rho1.Distributed;
using Rho1.Optimization;
using Rho1.Platform;
using Rho1.Training.Configuration;
using TorchSharp;

namespace Rho1.Training;

public static class StartBanner
{
    /// <summary>
    /// "selective: excess loss, top 60% per batch, offline scores runs/scores" or "plain: every token": everything that
    /// changes the gradient, from the objective's description (and, for a refreshing reference's cadence, the selection config).
    /// </summary>
    public static string Objective(JsonObject d, SelectionConfig? selection = null)
    {
        string S(string key) => d[key]?.ToString() ?? "";
        if (S("objective") != "slm")
            return "plain: every token";
        string score = S("score") switch
        {
            "excess" => "excess loss",
            "loss" => "training loss (ablation)",
            "ref" => "low reference loss (ablation)",
            "random" => "random (ablation)",
            var other => other,
        };
        string select = S("select") switch { "batch" => "per batch", "sequence" => "per sequence", "global" => "above a running threshold", var other => other };
        double ratio = d["ratio"]?.GetValue<double>() ?? 1;
        double start = d["slm_start"]?.GetValue<double>() ?? 0;
        string reference = S("reference_mode") switch
        {
            "offline" => $", offline scores {S("ref_scores")}",
            "online" => $", online reference {S("reference")}",
            _ => "",
        };
        string top = S("ratio_schedule") is "linear" or "cosine"
            ? string.Create(CultureInfo.InvariantCulture, $"top k% {select}, k {S("ratio_schedule")} from {d["ratio_start"]!.GetValue<double>() * 100:0.##}% to {ratio * 100:0.##}%")
            : string.Create(CultureInfo.InvariantCulture, $"top {ratio * 100:0.##}% {select}");
        string weights = S("weighting") == "soft"
            ? string.Create(CultureInfo.InvariantCulture, $", soft weights (sigmoid, temperature {d["temperature"]?.GetValue<double>():0.###})") : "";
        string refresh = S("ref_data") is { Length: > 0 } refData && selection is { RefreshesReference: true }
            ? string.Create(CultureInfo.InvariantCulture,
                $", refreshed every {selection.RefRefreshEvery} steps ({selection.RefRefreshSteps} steps at lr {d["ref_refresh_lr"]?.GetValue<double>():G3} on {refData})")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"selective: {score}, {top}{weights}{(start > 0 ? $", plain for the first {start * 100:0.##}% of steps" : "")}{reference}{refresh}");
    }

    /// <summary>Logs the banner of <paramref name="run"/> (after its directory exists).</summary>
    public static void Log(TrainingRun run)
    {
        var t = run.Config.Train;
        run.Log.Information("run {Dir}: {Device}, {Threads} CPU threads, {Precision}, {Params:N0} parameters, {Tokens:N0} tokens per step ({B} x {T} x {A})",
            Path.GetFullPath(run.Directory.Dir), DeviceSpec.Name(run.Device), torch.get_num_threads(), t.Precision, run.Parameters, run.TokensPerStep,
            t.BatchSize, t.SeqLen, t.GradAccum);
        run.Log.Information("objective: {Objective}", Objective(run.Objective.Describe(), run.Config.Selection));
        if (run.Device.type == DeviceType.CPU)
        {
            run.Log.Information("CPU threads: {Threads} ({Source}); allocator: {Allocator}", torch.get_num_threads(),
                ComputeThreads.Current?.Source ?? "libtorch's default", NativeAllocator.Choice ?? "glibc's defaults");
            if (ComputeThreads.BusyMachineWarning() is { } busy)
                run.Log.Warning("{Busy}", busy);
        }
        if (run.Device.type == DeviceType.CUDA && t.LossChunkTokens == -1)
            run.Log.Information("output layer: {Chunk} (train.loss_chunk_tokens auto: whole logits where `rho1 plan` fits this device with {Free:P0} free)",
                run.Model.LossChunkTokens == 0 ? "whole logits" : $"{run.Model.LossChunkTokens} positions at a time", LossChunkChoice.KeptFree);
        var world = run.World;
        if (world.Size > 1 || world is NcclCollectives)
            run.Log.Information("data parallel: {Size} processes over {Backend}, {Rows} of the {Batch} rows of each batch per process; rank 0 writes the run directory; " +
                "{Wait}", world.Size, world.Backend, t.BatchSize / world.Size, t.BatchSize, CollectiveWait(world.Watched, t.CollectiveTimeoutS));
        if (world is NcclCollectives nccl)
            run.Log.Information("NCCL device: {Binding}", nccl.Binding);
        if (run.Optimizer is AdamW { ShardedMasters: true } masters)
            run.Log.Information("optimizer state and fp32 master weights sharded over {Size} ranks (train.zero=2): {Local:N0} fp32 values of masters, moments and gradient sum on this rank, against {Whole:N0} unsharded; weights and gradients in {Dtype} on every rank",
                world.Size, masters.LocalStateElements, 4 * run.Parameters, t.Precision);
        else if (run.Optimizer is AdamW { Sharded: true } sharded)
            run.Log.Information("optimizer state sharded over {Size} ranks (train.zero={Zero}): {Local:N0} values of moments and gradient on this rank, against {Whole:N0} unsharded",
                world.Size, t.Zero, sharded.LocalStateElements, 3 * run.Parameters);
        if (t.GradReduceDtype == "bf16" && world.Size > 1)
            run.Log.Information("gradients averaged in bfloat16 on the wire (train.grad_reduce_dtype=bf16): {How}",
                t.Zero == 2 && !(world.SumsBFloat16 && t.ComputeType == TorchSharp.torch.ScalarType.BFloat16)
                    ? "not here: train.zero=2 reduce-scatters bf16 only where the weights are bf16 and the collectives sum bfloat16 (NCCL); fp32 instead"
                : world.SumsBFloat16 ? "summed in bfloat16 by NCCL" : "rounded once per rank, summed in fp32");
        if (run.Device.type == DeviceType.CUDA)
            run.Log.Information("TF32 for fp32 matmuls: {Tf32} (train.tf32)", t.Tf32 ? "on" : "off");
        run.Log.Information("attention kernel: {Kernel}; update skip decided {Where}", AttentionBackend.ExpectedKernel(run.Device.type, t.ComputeType, run.Config.Model.HeadDim),
            run.DeviceSideSkip ? "on the device (faults read at log steps)" : "on the host each step");
    }

    /// <summary>How long a collective may wait, as true for the engine: only watched engines (NCCL) honour train.collective_timeout_s.</summary>
    public static string CollectiveWait(bool watched, double timeoutS) =>
        !watched ? "a collective waits without a time limit (this engine's calls cannot be watched): the launcher ends a job whose rank died, a stalled rank stalls the job"
        : timeoutS > 0 ? string.Create(CultureInfo.InvariantCulture, $"a collective waits at most {timeoutS:0} s (train.collective_timeout_s; barriers, where one rank works alone, without a limit)")
        : "a collective waits for ever (train.collective_timeout_s=0)";
}
