// The train-ref verb's options, parsed without running anything: a preset's selection section is not recorded
// (train-ref does not select), and a --set selection.* is refused by name.
using System.CommandLine;
using Rho1.Cli.Commands;
using Rho1.Training.Configuration;

namespace Rho1.Cli.Tests;

public class TrainRefOptionsTests
{
    static (TrainRefCommand Verb, ParseResult Parse) Parse(params string[] args)
    {
        var verb = new TrainRefCommand();
        var root = new RootCommand { verb.Create() };
        return (verb, root.Parse(["train-ref", .. args]));
    }

    [Fact]
    public void A_preset_selection_section_is_left_out_and_a_set_selection_key_refused()
    {
        string config = Path.Combine(Path.GetTempPath(), $"rho1-preset-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, "{ \"train\": { \"steps\": 7 }, \"selection\": { \"ratio\": 0.6 } }");
        try
        {
            var (verb, parse) = Parse("--config", config, "--data", "d", "--out", "o", "--threads", "1", "--init", "base");
            var options = verb.Options(parse);
            Assert.Equal(new SelectionConfig(), options.Config.Selection);
            Assert.Equal(7, options.Config.Train.Steps);
            Assert.Equal("base", options.Init);
            (verb, parse) = Parse("--config", config, "--data", "d", "--out", "o", "--set", "selection.ratio=0.5");
            Assert.Contains("selection.ratio=0.5: train-ref trains on every token", Assert.Throws<UserErrorException>(() => verb.Options(parse)).Message);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
