// `sweep --grid` end to end with real processes, on configs/sweeps/tiny-grid.json (6 cells): the whole grid in
// one process, its cells as parallel --cell processes, through the SLURM scripts under a stub sbatch/srun and
// through the local runner all give the same cells.csv and summary.csv bit for bit; a cell killed anywhere
// resumes exactly; collect with cells missing names them and reports the rest.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Rho1.Cli.Tests.Reliability;
using Rho1.Experiments;
using Xunit.Abstractions;

namespace Rho1.Cli.Tests.Experiments;

[Collection("reliability")]
public sealed class GridSweepTests(ReliabilityWorkspace w, ITestOutputHelper output)
{
    static readonly ConcurrentDictionary<string, string> Whole = new(); // per workspace: the grid run in one process

    string[] Sweep(string outDir, params string[] extra) => ["sweep", "--grid", "tiny-grid", "--out", outDir, .. Options, .. extra];

    /// <summary>The sweep's options after OUT (what a job script passes on): data, reference, a task scored at every evaluation.</summary>
    string[] Options => ["--data", w.Noisy, "--eval-data", w.Clean, "--ref-scores", w.Scores, "--eval-task", TaskFile(), "--device", "cpu", "--threads", "1", "--quiet"];

    /// <summary>A 12-item multiple-choice task file (its name, "next", names its columns).</summary>
    string TaskFile()
    {
        string path = Path.Combine(w.Root, "grid-task", "next.jsonl");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, string.Join("\n", Enumerable.Range(0, 12).Select(i =>
                $$"""{"context": "Item {{i}}: the", "choices": [" cat sat.", " qq{{i}}zx", " dog ran."], "gold": {{i % 3}}}""")));
        }
        return path;
    }

    string WholeGrid() => Whole.GetOrAdd(w.Root, _ =>
    {
        string dir = w.NewRun("grid-whole");
        var clock = Stopwatch.StartNew();
        var (code, stderr, stdout) = Rho1Process.RunWithOutput(Sweep(dir), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stderr);
        Assert.Contains("| 0.60 | soft | 2/2 |", stdout);
        output.WriteLine($"whole grid, one process: {clock.Elapsed.TotalSeconds:F1} s");
        return dir;
    });

    static void AssertSameReports(string expected, string actual)
    {
        foreach (string file in new[] { "cells.csv", "summary.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(expected, file)), File.ReadAllText(Path.Combine(actual, file)));
    }

    [Fact]
    public void The_grid_as_parallel_cells_as_a_slurm_array_and_through_the_local_runner_reports_the_same_as_one_process()
    {
        string whole = WholeGrid();
        string[] cells = File.ReadAllLines(Path.Combine(whole, "cells.csv"));
        Assert.Equal(7, cells.Length); // 1 ratio × 2 variants × 2 seeds + the plain run of each seed
        Assert.Equal("index,cell,ratio,variant,seed,final_heldout_loss,final_heldout_bpb,final_heldout_tokens,steps,tokens,steps_to_baseline,tokens_to_baseline,next_acc,next_acc_stderr", cells[0]);
        // Each group's mean ± standard error over its two seeds, in closed form from the cells: (a + b) / 2 and |a - b| / 2.
        string[] summary = File.ReadAllLines(Path.Combine(whole, "summary.csv"));
        Assert.EndsWith(",next_acc_mean,next_acc_se", summary[0]);
        foreach (var (variant, row) in new[] { ("hard", 1), ("soft", 2), ("plain", 3) })
        {
            var seeds = cells.Skip(1).Select(l => l.Split(',')).Where(c => c[3] == variant).ToList();
            string[] group = summary[row].Split(',');
            Assert.Equal(variant, group[1]);
            foreach (var (cellColumn, meanColumn) in new[] { (5, 4), (6, 6), (12, 13) }) // loss, bits/byte, next acc
            {
                double a = double.Parse(seeds[0][cellColumn], CultureInfo.InvariantCulture), b = double.Parse(seeds[1][cellColumn], CultureInfo.InvariantCulture);
                Assert.Equal((a + b) / 2, double.Parse(group[meanColumn], CultureInfo.InvariantCulture), 12);
                Assert.Equal(Math.Abs(a - b) / 2, double.Parse(group[meanColumn + 1], CultureInfo.InvariantCulture), 12);
            }
        }

        // (b) every cell as its own process, all at once (one thread each), then collect.
        string parallel = w.NewRun("grid-cells");
        var clock = Stopwatch.StartNew();
        var processes = Enumerable.Range(0, 6).Select(i => Rho1Process.Start(Sweep(parallel, "--cell", i.ToString(CultureInfo.InvariantCulture)))).ToList();
        foreach (var p in processes)
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "a cell did not finish");
            Assert.True(p.ExitCode == 0, p.Stderr);
            p.Dispose();
        }
        var (code, stderr, stdout) = Rho1Process.RunWithOutput(Sweep(parallel, "--collect"), TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stderr);
        output.WriteLine($"6 cells in parallel processes + collect: {clock.Elapsed.TotalSeconds:F1} s");
        AssertSameReports(whole, parallel);

        // (c) scripts/slurm/submit.sh under a stub sbatch/srun: the array's tasks run at once, collect after them.
        string slurm = w.NewRun("grid-slurm");
        string state = w.NewRun("slurm-state");
        var (shCode, shOut) = Shell([Path.Combine(RepoRoot(), "scripts", "slurm", "submit.sh"), "tiny-grid", slurm, .. Options],
            new() { ["PATH"] = $"{StubBin()}:{Environment.GetEnvironmentVariable("PATH")}", ["SLURM_STUB_STATE"] = state });
        Assert.True(shCode == 0, shOut);
        Assert.Contains("6 cells: array job 101 (tasks 0-5), collect job 102", shOut);
        // Every array task ended with 0, and the collect job ran after them (it depends on the array, afterany).
        Assert.Equal(["101 0 0", "101 1 0", "101 2 0", "101 3 0", "101 4 0", "101 5 0", "102  0"],
            File.ReadAllLines(Path.Combine(state, "jobs")).Order(StringComparer.Ordinal));
        Assert.Contains("ratio-0.60-soft-seed-2", File.ReadAllText(Path.Combine(slurm + ".logs", "cell-3.out")));
        AssertSameReports(whole, slurm);

        // (d) scripts/sweep-local.sh over 3 CPU slots.
        string local = w.NewRun("grid-local");
        var (localCode, localOut) = Shell([Path.Combine(RepoRoot(), "scripts", "sweep-local.sh"), "--jobs", "3", "tiny-grid", local, "--data", w.Noisy, "--eval-data", w.Clean,
            "--ref-scores", w.Scores, "--eval-task", TaskFile(), "--quiet"], []);
        Assert.True(localCode == 0, localOut);
        Assert.Contains("6 cells over 3 slots", localOut);
        AssertSameReports(whole, local);

        // Steps to the baseline: the first evaluated step at which the cell's curve reached the plain run's (same seed) final curve loss.
        var plainCurve = RunCurve.Read(Path.Combine(whole, "ratio-1.00-plain-seed-2"));
        var softCurve = RunCurve.Read(Path.Combine(whole, "ratio-0.60-soft-seed-2"));
        string[] soft2 = cells.Single(l => l.Contains(",ratio-0.60-soft-seed-2,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(RunCurve.FirstStepReaching(softCurve, plainCurve[^1].ValLoss)?.ToString(CultureInfo.InvariantCulture) ?? "", soft2[10]);
        Assert.Equal(softCurve.FirstOrDefault(p => p.ValLoss <= plainCurve[^1].ValLoss)?.Tokens.ToString(CultureInfo.InvariantCulture) ?? "", soft2[11]);
        // Each cell's final figures are those of its own final checkpoint on the whole held-out set.
        var final = Rho1.Evaluation.CheckpointEvaluation.Run(new Rho1.Evaluation.EvalOptions(Path.Combine(whole, "ratio-0.60-soft-seed-2", "final"), w.Clean, Device: "cpu", BatchSize: 8));
        Assert.Equal(final.Loss, double.Parse(soft2[5], CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public void A_killed_cell_resumes_exactly_and_collect_names_the_missing_cells()
    {
        string whole = WholeGrid();
        string killed = w.NewRun("grid-killed");
        string cell = Path.Combine(killed, "ratio-0.60-soft-seed-1");
        var loop = new KillLoop(Sweep(killed, "--cell", "2"), seed: 3)
        {
            Typical = TimeSpan.FromSeconds(1.5), // about a cell's start-up and 40 steps: kills land in training, final evaluation and the result write
            PartialWrites = () => Directory.Exists(cell) ? RunComparison.Leftovers(cell).Where(p => Path.GetFileName(p).StartsWith(".tmp-", StringComparison.Ordinal)) : [],
            Describe = () => Directory.Exists(cell) ? string.Join(" ", RunComparison.Checkpoints(cell).Concat(RunComparison.Leftovers(cell))) : "nothing",
        };
        loop.Run();
        output.WriteLine(loop.ToString());
        Assert.True(loop.Events.Count >= 2, $"only {loop.Events.Count} kills landed:\n{loop}");
        RunComparison.AssertSameRun(Path.Combine(whole, "ratio-0.60-soft-seed-1"), cell);
        Assert.Equal(WithoutTimings(Path.Combine(whole, "ratio-0.60-soft-seed-1")), WithoutTimings(cell));

        var (list, _, listed) = Rho1Process.RunWithOutput(Sweep(killed, "--list"), TimeSpan.FromMinutes(1));
        Assert.Equal(0, list);
        Assert.Equal("2\tratio-0.60-soft-seed-1\tfinished", listed.Split('\n')[2]);
        Assert.Equal("0\tratio-0.60-hard-seed-1\tnot started", listed.Split('\n')[0]);

        var (code, stderr, stdout) = Rho1Process.RunWithOutput(Sweep(killed, "--collect"), TimeSpan.FromMinutes(1));
        Assert.True(code == 3, $"exit {code}: {stderr}");
        Assert.Contains("Missing (5)", stdout);
        Assert.Contains("- cell 4 `ratio-1.00-plain-seed-1`: not started", stdout);
        string[] summary = File.ReadAllLines(Path.Combine(killed, "summary.csv"));
        Assert.StartsWith("0.6,soft,2,1,", summary.Single(l => l.StartsWith("0.6,soft,", StringComparison.Ordinal)));
        Assert.StartsWith("0.6,hard,2,0,", summary.Single(l => l.StartsWith("0.6,hard,", StringComparison.Ordinal)));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(killed, "cells.csv")).Length);
        // The same figures as in the whole grid, but for the steps and tokens to the plain run, which this directory lacks.
        string[] Figures(string line) => [.. line.Split(',').Where((_, i) => i is not (10 or 11))];
        Assert.Equal(Figures(File.ReadAllLines(Path.Combine(whole, "cells.csv"))[3]), Figures(File.ReadAllLines(Path.Combine(killed, "cells.csv"))[1]));
        Assert.Equal(["", ""], File.ReadAllLines(Path.Combine(killed, "cells.csv"))[1].Split(',')[10..12]);
    }

    [SkippableFact]
    public void A_cell_under_mpirun_trains_data_parallel_and_matches_the_one_process_cell()
    {
        Skip.If(Distributed.MpiJob.Missing, Distributed.MpiJob.SkipReason);
        string whole = WholeGrid();
        string dir = w.NewRun("grid-mpi");
        var (code, stderr, stdout) = Rho1Process.RunWithOutput(Sweep(dir, "--cell", "0"), TimeSpan.FromMinutes(3),
            Distributed.MpiJob.Variables, Distributed.MpiJob.Launcher(2));
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // rank 0 alone prints the cell's line
        Assert.Contains("data parallel: 2 processes over mpi", File.ReadAllText(Path.Combine(dir, "ratio-0.60-hard-seed-1", "train.log")));
        // Two ranks sum their gradients in another order than one process: equal within 1e-6 relative, step by step.
        static List<JsonObject> Metrics(string run) => [.. File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())];
        var one = Metrics(Path.Combine(whole, "ratio-0.60-hard-seed-1"));
        var two = Metrics(Path.Combine(dir, "ratio-0.60-hard-seed-1"));
        Assert.Equal(one.Count, two.Count);
        foreach (var (a, b) in one.Zip(two))
            foreach (string key in new[] { "loss", "val_loss" }.Where(a.ContainsKey))
                Assert.Equal(1.0, b[key]!.GetValue<double>() / a[key]!.GetValue<double>(), 6);
        var final = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "ratio-0.60-hard-seed-1", "sweep-cell.json")))!;
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "ratio-0.60-hard-seed-1", "sweep-cell.json")))!;
        Assert.Equal(1.0, final["final_heldout_loss"]!.GetValue<double>() / reference["final_heldout_loss"]!.GetValue<double>(), 6);
    }

    [Fact]
    public void Grid_options_that_cannot_work_are_refused_before_anything_runs()
    {
        string dir = w.NewRun("grid-refused");
        (string[] Args, string Message)[] cases =
        [
            (Sweep(dir, "--cell", "6"), "--cell 6: the grid has 6 cells, 0 to 5"),
            (Sweep(dir, "--cell", "array"), "--cell array: SLURM_ARRAY_TASK_ID is not set"),
            (Sweep(dir, "--cell", "x"), "--cell x: expected a cell index"),
            (Sweep(dir, "--list", "--collect"), "--list, --collect and --cell: give one of them"),
            (Sweep(dir, "--ratios", "0.5"), "--ratios and --grid"),
            (Sweep(dir, "--config", "tiny"), "names its base config (tiny)"),
            (Sweep(dir, "--set", "train.seed=9"), "train.seed is an axis of --grid"),
            (["sweep", "--grid", "no-such-grid", "--data", w.Noisy, "--eval-data", w.Clean, "--out", dir], "--grid no-such-grid: no such file or shipped sweep (shipped: "),
            (["sweep", "--grid", "tiny-grid", "--data", w.Noisy, "--eval-data", w.Clean, "--out", dir, "--device", "cpu"], "cell ratio-0.60-hard-seed-1: --score excess needs --ref-scores DIR or --ref CKPT"),
            (["sweep", "--data", w.Noisy, "--eval-data", w.Clean, "--out", dir, "--cell", "1"], "--config"),
        ];
        foreach (var (args, message) in cases)
        {
            var result = CliRunner.Run(args);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: exit {result.ExitCode}\n{result.Stderr}");
            Assert.Contains(message, result.Stderr);
        }
        Assert.False(Directory.Exists(dir));
    }

    static string WithoutTimings(string cellDir)
    {
        var o = JsonNode.Parse(File.ReadAllText(Path.Combine(cellDir, "sweep-cell.json")))!.AsObject();
        o.Remove("tokens_per_s");
        return o.ToJsonString();
    }

    /// <summary>The stub sbatch and srun in a directory of their own, executable, to put first on PATH.</summary>
    static string StubBin()
    {
        string bin = Path.Combine(Path.GetTempPath(), $"rho1-slurm-stub-{Environment.ProcessId}");
        Directory.CreateDirectory(bin);
        foreach (string name in new[] { "sbatch", "srun" })
        {
            string target = Path.Combine(bin, name);
            File.Copy(Path.Combine(RepoRoot(), "tests", "Rho1.Cli.Tests", "Experiments", "slurm-stub", name), target, overwrite: true);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return bin;
    }

    /// <summary>Runs a script with bash, rho1 as RHO1 (this build), one torch thread; exit code and the output, both streams.</summary>
    static (int Code, string Output) Shell(string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["RHO1"] = $"{Rho1Process.Host} exec {Rho1Process.Dll}";
        info.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{string.Join(' ', args)} did not finish");
        return (p.ExitCode, stdout + stderr.Result);
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rho1.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("no Rho1.sln above " + AppContext.BaseDirectory);
    }
}
