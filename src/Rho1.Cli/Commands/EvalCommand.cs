// `rho1 eval`: loss, perplexity and bits per byte of a checkpoint on a prepared split.
using System.CommandLine;
using System.Text.Json;
using Rho1.Evaluation;

namespace Rho1.Cli.Commands;

public sealed class EvalCommand
{
    readonly Option<string> _model = new("--model", "-m") { Description = "Checkpoint or run directory.", Required = true };
    readonly Option<string> _data = new("--data", "-d") { Description = "Prepared dataset.", Required = true };
    readonly Option<string?> _split = new("--split") { Description = "val or train. [default: val, or the only split with tokens, e.g. held-out data prepared with --val-fraction 0]" };
    readonly Option<int> _batch = new("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 16 };
    readonly Option<int> _seqLen = new("--seq-len") { Description = "Window length; 0 = the model's training seq_len.", DefaultValueFactory = _ => 0 };
    readonly Option<int> _maxBatches = new("--max-batches") { Description = "Stop after N batches; 0 = the whole split.", DefaultValueFactory = _ => 0 };
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("eval",
            "Evaluate a checkpoint: loss, perplexity, bits per byte, tokens evaluated.\n\n" +
            "Examples:\n  rho1 eval --model runs/slm60 --data data/clean-heldout\n  rho1 eval --model runs/ref/final --data data/clean --split train --json")
        {
            _model, _data, _split, _batch, _seqLen, _maxBatches, _json, _device, _threads,
        };
        _split.AcceptOnlyFromAmong("val", "train");
        command.SetAction(parse => Run(Options(parse) with { OnProgress = new PeriodicProgress("eval", "windows").Report }, parse.GetValue(_json),
            parse.InvocationConfiguration.Output));
        return command;
    }

    public EvalOptions Options(ParseResult parse) =>
        new(parse.GetValue(_model)!, parse.GetValue(_data)!, parse.GetValue(_split), parse.GetValue(_device)!, parse.GetValue(_batch),
            parse.GetValue(_seqLen), parse.GetValue(_maxBatches));

    static int Run(EvalOptions options, bool json, TextWriter o)
    {
        var r = CheckpointEvaluation.Run(options);
        if (json)
            o.WriteLine(JsonSerializer.Serialize(r));
        else
            o.WriteLine($"loss {r.Loss:F4}  perplexity {r.Perplexity:F2}  bits/byte {r.BitsPerByte:F4}  tokens {r.Tokens:N0}");
        return ExitCodes.Success;
    }
}
