// Evaluation shared by the ranks of a job against one process: `mpirun -np 2 rho1 eval` (held-out loss, a multiple-choice
// and a generation task) prints the same figures and writes byte-identical --task-output records; a two-rank training
// run evaluates (held-out and a task) at every eval step, all ranks at once, with one process's figures.
using System.Text.Json.Nodes;
using Rho1.Cli.Tests.Reliability;

namespace Rho1.Cli.Tests.Distributed;

[Collection("reliability")]
public sealed class DataParallelEvalTests(ReliabilityWorkspace w)
{
    (string Choice, string Generation) Tasks()
    {
        string dir = Path.Combine(w.Root, "dp-eval-tasks");
        Directory.CreateDirectory(dir);
        string choice = Path.Combine(dir, "choice.jsonl"), generation = Path.Combine(dir, "gen.jsonl");
        File.WriteAllText(choice, string.Join("\n", Enumerable.Range(0, 13).Select(i =>
            $$"""{"context": "Item {{i}}: the", "choices": [" cat sat.", " qq{{i}}zx", " dog ran", " a cat"], "gold": {{i % 4}}}""")));
        File.WriteAllText(generation, string.Join("\n", Enumerable.Range(0, 7).Select(i =>
            $$"""{"question": "What is {{i}} plus {{i}}?", "answer": "It is {{2 * i}}.\n#### {{2 * i}}"}""")));
        return (choice, generation);
    }

    /// <summary>eval --json output without its timings.</summary>
    static string Figures(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        foreach (var task in o["tasks"]!.AsArray())
            foreach (string key in new[] { "seconds", "generated_tokens_per_s" })
                task!.AsObject().Remove(key);
        return o.ToJsonString();
    }

    [SkippableFact]
    public void Eval_on_two_ranks_prints_and_writes_what_one_process_does()
    {
        Skip.If(MpiJob.Missing, MpiJob.SkipReason);
        var (choice, generation) = Tasks();
        string oneOut = w.NewRun("dp-eval-1"), twoOut = w.NewRun("dp-eval-2");
        string[] Eval(string output) => ["eval", "--model", w.Reference, "--data", w.Clean, "--task", choice, "--task", generation, "--batch-size", "3",
            "--max-gen-tokens", "16", "--task-output", output, "--json", "--device", "cpu", "--quiet"];
        var (code1, err1, one) = Rho1Process.RunWithOutput(Eval(oneOut), TimeSpan.FromMinutes(3));
        Assert.True(code1 == 0, err1);
        var (code2, err2, two) = Rho1Process.RunWithOutput(Eval(twoOut), TimeSpan.FromMinutes(3), MpiJob.Variables, MpiJob.Launcher(2));
        Assert.True(code2 == 0, err2);
        Assert.Single(two.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // rank 0 alone reports
        Assert.Equal(Figures(one), Figures(two));
        foreach (string file in new[] { "choice.jsonl", "gen.jsonl" })
            Assert.Equal(File.ReadAllText(Path.Combine(oneOut, file)), File.ReadAllText(Path.Combine(twoOut, file)));
        Assert.Contains("\"held_out\"", one);
    }

    [SkippableFact]
    public void A_two_rank_run_evaluates_on_every_rank_with_one_process_figures()
    {
        Skip.If(MpiJob.Missing, MpiJob.SkipReason);
        var (choice, _) = Tasks();
        string one = w.NewRun("dp-train-eval-1"), two = w.NewRun("dp-train-eval-2");
        string[] Train(string run) => ["train-ref", "--config", "tiny", "--data", w.Noisy, "--eval-data", w.Clean, "--eval-task", choice, "--out", run,
            "--device", "cpu", "--quiet", "--set", "train.steps=20", "--set", "train.eval_every=5", "--set", "train.eval_batches=5", "--set", "train.peak_gflops=100"];
        var (c1, e1) = Rho1Process.Run(Train(one), TimeSpan.FromMinutes(3));
        Assert.True(c1 == 0, e1);
        var (c2, e2) = Rho1Process.Run(Train(two), TimeSpan.FromMinutes(3), MpiJob.Variables, MpiJob.Launcher(2));
        Assert.True(c2 == 0, e2);
        static List<JsonObject> Evaluations(string run) =>
            [.. File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).Where(m => m.ContainsKey("val_loss"))];
        var a = Evaluations(one);
        var b = Evaluations(two);
        Assert.Equal([5, 10, 15, 20], b.Select(m => m["step"]!.GetValue<int>()));
        Assert.Equal(a.Select(m => m["step"]!.GetValue<int>()), b.Select(m => m["step"]!.GetValue<int>()));
        foreach (var (x, y) in a.Zip(b))
        {
            // Two ranks train within 1e-6 of one process (the sum of their gradients rounds differently); evaluation adds nothing.
            Assert.Equal(1.0, y["val_loss"]!.GetValue<double>() / x["val_loss"]!.GetValue<double>(), 5);
            Assert.Equal(x["val_tokens"]!.GetValue<long>(), y["val_tokens"]!.GetValue<long>());
            Assert.Equal(x["task/choice/acc"]!.GetValue<double>(), y["task/choice/acc"]!.GetValue<double>());
        }
    }
}
