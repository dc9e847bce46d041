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
        Assert.Equal(0, verb.Options(root.Parse(["train", "--config", "tiny", "--data", "d", "--out", "o"])).Config.Selection.RefRefreshEvery);
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
}
