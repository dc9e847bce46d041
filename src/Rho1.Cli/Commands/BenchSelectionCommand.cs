// `rho1 bench-selection`: the selection step's cost per mode, for scripts/bench.sh.
using System.CommandLine;
using System.Text.Json;
using Rho1.Benchmarks;

namespace Rho1.Cli.Commands;

public static class BenchSelectionCommand
{
    public static Command Create()
    {
        var batch = new Option<int>("--batch-size") { Description = "Sequences per batch B.", DefaultValueFactory = _ => 16 };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per sequence T.", DefaultValueFactory = _ => 1024 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (after two warm-ups).", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var device = GlobalOptions.Device();
        var command = new Command("bench-selection",
            "Time the token-selection step alone (excess scores, top-k% mask, masked mean) for each --select mode.\n\n" +
            "Examples:\n  rho1 bench-selection\n  rho1 bench-selection --batch-size 8 --seq-len 2048 --json")
        {
            batch, seqLen, repeats, json, device,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(batch) <= 0 || parse.GetValue(seqLen) <= 0 || parse.GetValue(repeats) <= 0)
                throw new UserErrorException("--batch-size, --seq-len and --repeats must be positive");
            var rows = SelectionBenchmark.Run(parse.GetValue(batch), parse.GetValue(seqLen), parse.GetValue(repeats), parse.GetValue(device)!);
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                o.WriteLine(JsonSerializer.Serialize(rows));
            else
                foreach (var r in rows)
                    o.WriteLine($"{r.Mode,-9} {r.Tokens,9:N0} tokens  median {r.MedianMicroseconds,10:N0} µs  {r.MicrosecondsPerMillionTokens,10:N0} µs per million tokens");
            return ExitCodes.Success;
        });
        return command;
    }
}
