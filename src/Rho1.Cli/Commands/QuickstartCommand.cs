// `rho1 quickstart`: the README's first command. No network, no arguments; prints a comparison table.
using System.CommandLine;
using Rho1.Experiments;

namespace Rho1.Cli.Commands;

public sealed class QuickstartCommand
{
    readonly Option<string> _output = new("--out", "-o") { Description = "Where to put corpora, datasets and runs.", DefaultValueFactory = _ => "runs/quickstart" };
    readonly Option<string> _config = new("--config", "-c") { Description = "Preset or config file for the three models (reference, baseline, SLM).", DefaultValueFactory = _ => "tiny" };
    readonly Option<string[]> _set = new("--set") { Description = "Override a config key: section.key=value (repeatable)." };
    readonly Option<long> _seed = new("--seed") { Description = "Seed of corpora, weights and data order.", DefaultValueFactory = _ => 1234 };
    readonly Option<double> _noise = new("--noise-share") { Description = "Share of the noisy corpus's characters that are noise.", DefaultValueFactory = _ => 0.35 };
    readonly Option<bool> _force = new("--force") { Description = "Replace an earlier quickstart in --out; it stays until the new one is complete." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("quickstart",
            "Show selective language modelling working, end to end, on generated data (no network; under a minute on 2 idle cores):\n" +
            "train a reference on clean text, score a noisy corpus, train SLM at 60% and a plain baseline, compare on clean held-out text.\n\n" +
            "Examples:\n  rho1 quickstart\n  rho1 quickstart --out /tmp/qs --set train.steps=400")
        {
            _output, _config, _set, _seed, _noise, _force, _device, _threads,
        };
        command.SetAction((parse, cancel) => Task.FromResult(Run(Quickstart.Run(Options(parse), cancel), parse.InvocationConfiguration.Output)));
        return command;
    }

    public QuickstartOptions Options(ParseResult parse) =>
        new(parse.GetValue(_output)!, Presets.Resolve(parse.GetValue(_config)!), parse.GetValue(_set) ?? [], parse.GetValue(_device)!,
            parse.GetValue(_seed), parse.GetValue(_noise), parse.GetValue(_force));

    static int Run(QuickstartResult r, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine($"Clean held-out text after {r.Steps} steps on the noisy corpus (lower is better; the first {r.Rows[0].HeldoutTokens:N0} held-out tokens, " +
            "train.eval_batches × batch_size windows; `rho1 eval --data` covers the whole set):");
        o.WriteLine();
        o.WriteLine("| run | held-out loss | bits/byte | first step at baseline's final loss | tokens/s |");
        o.WriteLine("|---|---|---|---|---|");
        foreach (var row in r.Rows)
            o.WriteLine($"| {row.Run} | {row.HeldoutLoss:F4} | {row.HeldoutBpb:F4} | {(row.StepsToBaseline is { } s ? s.ToString() : "not reached")} | {row.TokensPerSecond:N0} |");
        o.WriteLine();
        o.WriteLine($"Files: {Path.GetFullPath(r.OutDir)} (runs/*/metrics.jsonl, summary.json); took {r.WallSeconds:F0}s.");
        return ExitCodes.Success;
    }
}
