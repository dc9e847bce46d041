// `rho1 plan` through the CLI: a run that does not fit names the smallest change that does (and the changed plan
// must fit), --gpu-memory means a GPU, and a flag that disagrees with a --set of its key is refused.
using System.Text.Json.Nodes;

namespace Rho1.Cli.Tests;

public class PlanCommandTests
{
    static JsonNode Plan(params string[] args)
    {
        var r = CliRunner.Run(["plan", .. args, "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonNode.Parse(r.Stdout)!;
    }

    [Fact]
    public void A_run_that_does_not_fit_names_the_smallest_change_that_does_and_that_change_fits()
    {
        string[] job = ["--config", "tinyllama-1b", "--world", "2", "--gpu-memory", "24"];
        var r = CliRunner.Run(["plan", .. job]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not fit in 24.00 GB", r.Stdout);
        string line = r.Stdout.Split('\n').Single(l => l.StartsWith("fits with: ", StringComparison.Ordinal));
        string change = line["fits with: ".Length..line.IndexOf(" (", StringComparison.Ordinal)];
        // Planned again with the suggested flags, the run fits; a free change alone (ZeRO-1) would not have.
        var changed = Plan([.. job, .. change.Split(' ')]);
        Assert.True(changed["fits"]!.GetValue<bool>(), change);
        Assert.False(Plan([.. job, "--zero", "1"])["fits"]!.GetValue<bool>());
        Assert.Contains("--activation-checkpointing", change);

        // Where ZeRO-1 alone is enough, it is what is proposed.
        var mistral = CliRunner.Run(["plan", "--config", "mistral-7b", "--world", "8", "--gpu-memory", "141"]);
        Assert.Contains("fits with: --zero 1 (", mistral.Stdout);
        // On 80 GB only ZeRO-2 (bf16 weights and gradients, fp32 state sharded) fits it.
        string eighty = CliRunner.Run(["plan", "--config", "mistral-7b", "--world", "8", "--gpu-memory", "80"]).Stdout;
        Assert.Contains("fits with: --zero 2", eighty);
        // Where nothing fits (bf16 weights and gradients whole on every rank), it says so.
        Assert.Contains("no change fits it", CliRunner.Run(["plan", "--config", "mistral-7b", "--world", "8", "--gpu-memory", "40"]).Stdout);
    }

    [Fact]
    public void With_gpu_memory_the_automatic_loss_chunk_is_the_trainers_choice_for_that_device()
    {
        string[] gpt2 = ["--config", "gpt2-124m", "--vocab-size", "50257", "--set", "train.batch_size=16", "--set", "train.seq_len=1024", "--set", "train.grad_accum=1"];
        var roomy = Plan([.. gpt2, "--gpu-memory", "80"]);   // whole logits fit: computed at once
        Assert.Contains("logits", roomy["items"]!.AsObject().Select(kv => kv.Key));
        var unsized = Plan([.. gpt2, "--device", "cuda"]);    // no memory given: chunks of 512, as before
        Assert.Contains("logits (512 positions at a time)", unsized["items"]!.AsObject().Select(kv => kv.Key));
        Assert.True(roomy["total_bytes"]!.GetValue<double>() > unsized["total_bytes"]!.GetValue<double>());
    }

    [Fact]
    public void Gpu_memory_implies_cuda_and_refuses_cpu()
    {
        Assert.Equal("cuda", Plan("--config", "tiny", "--vocab-size", "257", "--gpu-memory", "80")["items"]!.AsObject().ContainsKey("CUDA context") ? "cuda" : "cpu");
        Assert.True(Plan("--config", "tiny", "--vocab-size", "257")["items"]!.AsObject().ContainsKey("process baseline (.NET, libtorch)"));
        var r = CliRunner.Run("plan", "--config", "tiny", "--vocab-size", "257", "--gpu-memory", "80", "--device", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("rho1: error: --gpu-memory is a GPU's memory, but --device cpu: leave --device out or give --device cuda", r.Stderr.Trim());
        r = CliRunner.Run("plan", "--config", "tiny", "--vocab-size", "257", "--zero", "1", "--set", "train.zero=0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--set train.zero=0 conflicts with --zero, which sets train.zero=1", r.Stderr);
    }
}
