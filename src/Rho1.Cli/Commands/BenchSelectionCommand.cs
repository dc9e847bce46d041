// `rho1 bench-selection`: the selection step's cost per mode, for scripts/bench.sh.
using System.CommandLine;
using System.Text.Json;
using Rho1.Benchmarks;

namespace Rho1.Cli.Commands;

public sealed class BenchSelectionCommand
{
    readonly Option<int> _batch = new("--batch-size") { Description = "Sequences per batch B.", DefaultValueFactory = _ => 16 };
    readonly Option<int> _seqLen = new("--seq-len") { Description = "Tokens per sequence T.", DefaultValueFactory = _ => 1024 };
    readonly Option<int> _repeats = new("--repeats") { Description = "Timed repetitions (after two warm-ups).", DefaultValueFactory = _ => 50 };
    readonly Option<bool> _json = new("--json") { Description = "Print JSON." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("bench-selection",
            "Time the token-selection step alone (excess scores, top-k% mask, masked mean) for each --select mode.\n\n" +
            "Examples:\n  rho1 bench-selection\n  rho1 bench-selection --batch-size 8 --seq-len 2048 --json")
        {
            _batch, _seqLen, _repeats, _json, _device, _threads,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(_batch) <= 0 || parse.GetValue(_seqLen) <= 0 || parse.GetValue(_repeats) <= 0)
                throw new UserErrorException("--batch-size, --seq-len and --repeats must be positive");
            var rows = SelectionBenchmark.Run(parse.GetValue(_batch), parse.GetValue(_seqLen), parse.GetValue(_repeats), parse.GetValue(_device)!);
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(_json))
                o.WriteLine(JsonSerializer.Serialize(rows));
            else
                foreach (var r in rows)
                    o.WriteLine($"{r.Mode,-9} {r.Tokens,9:N0} tokens  median {r.MedianMicroseconds,10:N0} µs  {r.MicrosecondsPerMillionTokens,10:N0} µs per million tokens");
            return ExitCodes.Success;
        });
        return command;
    }
}
