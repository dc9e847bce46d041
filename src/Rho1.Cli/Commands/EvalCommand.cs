// `rho1 eval`: loss, perplexity and bits per byte of a checkpoint on a prepared split.
using System.CommandLine;
using System.Text.Json;
using Rho1.Evaluation;

namespace Rho1.Cli.Commands;

public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Checkpoint or run directory.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Prepared dataset.", Required = true };
        var split = new Option<string>("--split") { Description = "val or train.", DefaultValueFactory = _ => "val" };
        var batch = new Option<int>("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 16 };
        var seqLen = new Option<int>("--seq-len") { Description = "Window length; 0 = the model's training seq_len.", DefaultValueFactory = _ => 0 };
        var maxBatches = new Option<int>("--max-batches") { Description = "Stop after N batches; 0 = the whole split.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var device = GlobalOptions.Device();
        var command = new Command("eval",
            "Evaluate a checkpoint: loss, perplexity, bits per byte, tokens evaluated.\n\n" +
            "Examples:\n  rho1 eval --model runs/slm60 --data data/clean-heldout\n  rho1 eval --model runs/ref/final --data data/clean --split train --json")
        {
            model, data, split, batch, seqLen, maxBatches, json, device,
        };
        split.AcceptOnlyFromAmong("val", "train");
        command.SetAction(parse =>
        {
            var r = CheckpointEvaluation.Run(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(split)!, parse.GetValue(device)!,
                parse.GetValue(batch), parse.GetValue(seqLen), parse.GetValue(maxBatches));
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                o.WriteLine(JsonSerializer.Serialize(r));
            else
                o.WriteLine($"loss {r.Loss:F4}  perplexity {r.Perplexity:F2}  bits/byte {r.BitsPerByte:F4}  tokens {r.Tokens:N0}");
            return ExitCodes.Success;
        });
        return command;
    }
}
