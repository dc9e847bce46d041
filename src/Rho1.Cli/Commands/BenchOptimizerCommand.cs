// `rho1 bench-optimizer`: the optimizer step's host work against the tensor count at equal values (issue 35).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Rho1.Benchmarks;

namespace Rho1.Cli.Commands;

public sealed class BenchOptimizerCommand
{
    readonly Option<long> _values = new("--values") { Description = "Values in all, split evenly over the tensors.", DefaultValueFactory = _ => 4_096_000 };
    readonly Option<string> _tensors = new("--tensors") { Description = "Comma-separated tensor counts, each timed over the same values.", DefaultValueFactory = _ => "1000,10" };
    readonly Option<int> _repeats = new("--repeats") { Description = "Timed repetitions (after two warm-ups).", DefaultValueFactory = _ => 20 };
    readonly Option<bool> _json = new("--json") { Description = "Print JSON." };
    readonly Option<int> _zero = new("--zero") { Description = "0: fp32 weights cast to bf16 (a run at a time); 2: bf16 weights over fp32 masters (train.zero=2's layout, one rank).", DefaultValueFactory = _ => 0 };
    readonly Option<bool> _perTensorCasts = new("--per-tensor-casts") { Description = "Cast each fp32 tensor to bf16 alone (one autograd node each), as builds before cast runs did." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("bench-optimizer",
            "Time clipping, the AdamW update, gradient zeroing and the bf16 weight casts of the same values cut into many tensors\n" +
            "or few; the ratio of the first count's time to the last's is the per-tensor overhead.\n\n" +
            "Examples:\n  rho1 bench-optimizer\n  rho1 bench-optimizer --zero 2\n  rho1 bench-optimizer --values 16384000 --tensors 1000,100,10 --json")
        {
            _values, _tensors, _repeats, _json, _zero, _perTensorCasts, _device, _threads,
        };
        command.SetAction(parse =>
        {
            var counts = new List<int>();
            foreach (string part in parse.GetValue(_tensors)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                counts.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
                    : throw new UserErrorException($"--tensors: '{part}' is not a positive count"));
            if (counts.Count == 0 || parse.GetValue(_repeats) <= 0)
                throw new UserErrorException("--tensors needs at least one count and --repeats must be positive");
            if (parse.GetValue(_zero) is not (0 or 2))
                throw new UserErrorException($"--zero {parse.GetValue(_zero)}: must be 0 or 2");
            var rows = OptimizerStepBenchmark.Run(parse.GetValue(_values), counts, parse.GetValue(_repeats), parse.GetValue(_device)!, parse.GetValue(_zero),
                parse.GetValue(_perTensorCasts));
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(_json))
                o.WriteLine(JsonSerializer.Serialize(rows));
            else
            {
                foreach (var r in rows)
                    o.WriteLine($"{r.Tensors,6:N0} tensors  {r.Values,12:N0} values  median {r.MedianMicroseconds,10:N0} µs  ({string.Join(", ", r.Parts.Select(p => $"{p.Key} {p.Value:N0}"))})");
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio {rows[0].Tensors} : {rows[^1].Tensors} tensors = {rows[0].MedianMicroseconds / rows[^1].MedianMicroseconds:F2} " +
                    $"(without the casts: {rows[0].StepMedianMicroseconds / rows[^1].StepMedianMicroseconds:F2})"));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
