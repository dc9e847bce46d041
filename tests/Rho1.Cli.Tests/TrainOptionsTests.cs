// The train verb's selection flags, parsed without running anything: --soft T becomes soft weighting at
// temperature T, alongside --ratio, and a sweep's --init reaches every run.
using System.CommandLine;
using Rho1.Cli.Commands;

namespace Rho1.Cli.Tests;

public class TrainOptionsTests
{
    [Fact]
    public void Soft_sets_the_weighting_and_its_temperature()
    {
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        var selection = verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6", "--soft", "0.2"])).Config.Selection;
        Assert.Equal(("soft", 0.2, 0.6), (selection.Weighting, selection.Temperature, selection.Ratio));
        var hard = verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6"])).Config.Selection;
        Assert.Equal("hard", hard.Weighting);
    }

    [Fact]
    public void Ref_refresh_sets_how_often_the_reference_trains()
    {
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        var selection = verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6", "--ref", "r", "--ref-refresh", "25"])).Config.Selection;
        Assert.Equal((25, 10, 0.0), (selection.RefRefreshEvery, selection.RefRefreshSteps, selection.RefRefreshLr));
        Assert.Equal(0, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6"])).Config.Selection.RefRefreshEvery);
    }

    [Fact]
    public void Eval_batches_and_eval_tasks_reach_the_run()
    {
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        var all = verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0", "--eval-batches", "all", "--eval-task", "a.jsonl", "--eval-task", "b.parquet",
            "--eval-task-limit", "50", "--eval-few-shot", "3"]));
        Assert.Equal(0, all.Config.Train.EvalBatches); // 0 = the whole split
        Assert.Equal(["a.jsonl", "b.parquet"], all.EvalTasks);
        Assert.Equal((50, 3), (all.EvalTaskLimit, all.EvalTaskSettings.FewShot));
        Assert.Equal(5, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0", "--eval-batches", "5"])).Config.Train.EvalBatches);
        Assert.Contains("--eval-batches half", Assert.Throws<UserErrorException>(() => verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0", "--eval-batches", "half"]))).Message);
        var sweep = new SweepCommand();
        var sweepRoot = new RootCommand { sweep.Create() };
        string[] args = ["sweep", "--config", "tiny", "--data", "d", "--eval-data", "h", "--out", "o", "--ratios", "1.0", "--eval-task", "a.jsonl"];
        Assert.Equal(0, sweep.Options(sweepRoot.Parse(args)).FinalEvalBatches); // the whole --eval-data by default
        Assert.Equal(4, sweep.Options(sweepRoot.Parse([.. args, "--final-eval-batches", "4"])).FinalEvalBatches);
        Assert.Equal(["a.jsonl"], sweep.Options(sweepRoot.Parse(args)).EvalTasks);
        // How the tasks are framed and read: the harness's start by default, Rho1's document start and a forced layout on request.
        Assert.Equal(("harness", null), (sweep.Options(sweepRoot.Parse(args)).EvalTaskSettings.SequenceStart, sweep.Options(sweepRoot.Parse(args)).EvalTaskSettings.Layout));
        var framed = sweep.Options(sweepRoot.Parse([.. args, "--eval-sequence-start", "document", "--eval-layout", "mmlu"])).EvalTaskSettings;
        Assert.Equal(("document", "mmlu"), (framed.SequenceStart, framed.Layout));
        var trainFramed = verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0", "--eval-task", "a.jsonl", "--eval-layout", "boolq"])).EvalTaskSettings;
        Assert.Equal("boolq", trainFramed.Layout);
        Assert.Contains("--sequence-start prefix", Assert.Throws<UserErrorException>(() => sweep.Options(sweepRoot.Parse([.. args, "--eval-sequence-start", "prefix"]))).Message);
    }

    [Theory]
    [InlineData("--soft", "0.2")]
    [InlineData("--ref-refresh", "25")]
    [InlineData("--select", "sequence")]
    [InlineData("--score", "loss")]
    [InlineData("--ref-scores", "s")]
    [InlineData("--ref", "r")]
    [InlineData("--slm-start", "0.1")]
    [InlineData("--set", "selection.weighting=soft")]
    public void A_selection_flag_at_ratio_1_is_refused_naming_the_flag(string flag, string value)
    {
        // At ratio 1.0 every token is trained: the flag would change nothing while summary.json recorded it (issue 27).
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        string message = Assert.Throws<UserErrorException>(() => verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0", flag, value]))).Message;
        Assert.StartsWith($"{(flag == "--set" ? "--set " + value.Split('=')[0] : flag)} has no effect at selection.ratio=1", message);
        // Below 1 the same flag is taken.
        Assert.Equal(0.6, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6", flag, value])).Config.Selection.Ratio);
    }

    [Fact]
    public void Train_without_a_ratio_is_refused_and_ratio_1_alone_is_plain_training()
    {
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        Assert.StartsWith("rho1 train needs --ratio K", Assert.Throws<UserErrorException>(() =>
            verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o"]))).Message);
        Assert.Equal(1.0, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.0"])).Config.Selection.Ratio);
        Assert.Equal(0.5, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--set", "selection.ratio=0.5", "--soft", "0.2"])).Config.Selection.Ratio);
        // A ratio out of range is named as such, not as a flag without effect.
        Assert.Contains("--ratio 1.5: must be in (0, 1]", Assert.Throws<UserErrorException>(() =>
            verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "1.5", "--ref-scores", "s"]))).Message);
    }

    [Fact]
    public void A_sweep_passes_init_and_the_set_keys_to_its_runs()
    {
        var verb = new SweepCommand();
        var root = new RootCommand { verb.Create() };
        var options = verb.Options(root.Parse(["sweep", "--config", "tiny", "--data", "d", "--eval-data", "h", "--out", "o", "--init", "base", "--set", "model.dim=32", "--ref-data", "clean"]));
        Assert.Equal("base", options.Init);
        Assert.Equal("clean", options.RefData);
        Assert.Equal(["model.dim"], options.SetKeys);
    }

    [Theory]
    [InlineData("--zero", "1", "train.zero=0", "--set train.zero=0 conflicts with --zero, which sets train.zero=1")]
    [InlineData("--ratio", "0.6", "selection.ratio=0.7", "--set selection.ratio=0.7 conflicts with --ratio, which sets selection.ratio=0.6")]
    [InlineData("--eval-batches", "all", "train.eval_batches=3", "--set train.eval_batches=3 conflicts with --eval-batches, which sets train.eval_batches=0")]
    public void A_flag_and_a_set_of_its_key_that_disagree_are_refused(string flag, string value, string set, string expected)
    {
        var verb = new TrainCommand();
        var root = new RootCommand { verb.Create() };
        string[] args = ["train", "--config", "tiny", "--data", "d", "--out", "o", "--ratio", "0.6", flag, value];
        if (flag == "--ratio") args = args[..^2];
        var e = Assert.Throws<UserErrorException>(() => verb.Options(root.Parse([.. args, "--set", set])));
        Assert.Equal(expected + "; give one of them", e.Message);
        // The same value both ways is no conflict.
        string same = set[..set.IndexOf('=')] + "=" + (flag == "--eval-batches" ? "0" : value);
        Assert.NotNull(verb.Options(root.Parse([.. args, "--set", same])));
    }

    [Fact]
    public void Config_help_lists_every_shipped_preset()
    {
        string help = new TrainingArguments().Config.Description!;
        string[] shipped = [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "configs"), "*.json").Select(Path.GetFileNameWithoutExtension)!];
        Assert.True(shipped.Length >= 7, string.Join(", ", shipped));
        Assert.All(shipped, name => Assert.Contains(name!, help));
    }
}
