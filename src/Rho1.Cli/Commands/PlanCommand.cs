// `rho1 plan`: memory per rank of a training run before starting it, and whether it fits a given device memory.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Rho1.Model.Storage;
using Rho1.Training;

namespace Rho1.Cli.Commands;

public sealed class PlanCommand
{
    readonly TrainingArguments _args = new();
    readonly Option<int> _world = new("--world") { Description = "Processes (GPUs) the job runs on.", DefaultValueFactory = _ => 1 };
    readonly Option<bool> _checkpointing = new("--activation-checkpointing") { Description = "train.activation_checkpointing=true." };
    readonly Option<int?> _vocab = new("--vocab-size") { Description = "Vocabulary, when the config leaves it to the dataset (model.vocab_size 0) and no --init gives it." };
    readonly Option<double?> _memory = new("--gpu-memory") { Description = "GPU memory per rank in GB (implies --device cuda): say whether the plan fits (with 10% kept free), and if not, the smallest change that does." };
    readonly Option<string?> _device = new("--device") { Description = "cpu or cuda (bf16 under precision auto; the CUDA context instead of the CPU baseline). Default: cpu, or cuda with --gpu-memory." };
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object." };

    public Command Create()
    {
        var command = new Command("plan",
            "Bytes per rank of a training run: weights, gradients, optimizer state, bf16 copies, activations, logits; whether it fits.\n\n" +
            "Examples:\n  rho1 plan --config small --vocab-size 50257\n  rho1 plan --config configs/mistral-7b.json --world 8 --zero 2 --activation-checkpointing --device cuda --gpu-memory 80")
        {
            _args.Config, _args.Set, _args.Init, _world, _args.Zero, _checkpointing, _vocab, _memory, _device, _json,
        };
        _device.AcceptOnlyFromAmong("cpu", "cuda");
        command.SetAction(parse => Run(parse, parse.InvocationConfiguration.Output));
        return command;
    }

    int Run(ParseResult parse, TextWriter o)
    {
        var config = _args.LoadConfig(parse, parse.GetValue(_checkpointing) ? ["train.activation_checkpointing=true"] : []);
        if (parse.GetValue(_args.Init) is { } init)
            config = config with { Model = ModelLoader.Info(init).Config.Model };
        if (parse.GetValue(_vocab) is { } vocab)
            config = config with { Model = config.Model with { VocabSize = vocab } };
        config.Validate();
        double? limit = parse.GetValue(_memory) * 1e9;
        string device = parse.GetValue(_device) ?? (limit is null ? "cpu" : "cuda");
        if (limit is not null && device != "cuda")
            throw new UserErrorException($"--gpu-memory is a GPU's memory, but --device {device}: leave --device out or give --device cuda");
        if (limit is { } memory) // train.loss_chunk_tokens auto on CUDA follows the device's memory, as the trainer does
            config = config with { Train = config.Train with { LossChunkTokens = (int)LossChunkChoice.ForCuda(config, parse.GetValue(_world), memory) } };
        var plan = MemoryPlan.Compute(config, parse.GetValue(_world), device);
        bool? fits = limit is { } l ? plan.Total <= 0.9 * l : null;
        var suggestion = fits == false ? PlanSuggestions.Smallest(config, parse.GetValue(_world), device, 0.9 * limit!.Value) : null;
        var capacity = limit is { } usable ? PlanCapacities.Largest(config, parse.GetValue(_world), device, 0.9 * usable) : null;
        if (parse.GetValue(_json))
        {
            o.WriteLine(JsonSerializer.Serialize(new
            {
                parameters = plan.Parameters, precision = plan.Precision, world = plan.World, zero = plan.Zero, activation_checkpointing = plan.Checkpointing, micro_batch_tokens = plan.MicroTokens,
                items = plan.Items.ToDictionary(i => i.Component, i => Math.Round(i.Bytes)), total_bytes = Math.Round(plan.Total),
                bytes_per_parameter = Math.Round(plan.BytesPerParameter, 2), fits,
                fits_with = suggestion is null ? null : new { change = suggestion.Change, world = suggestion.World, total_bytes = Math.Round(suggestion.Plan.Total) },
                largest = capacity is null ? null : new
                {
                    rows = capacity.Rows, rows_checkpointed = capacity.RowsCheckpointed, seq_len = config.Train.SeqLen,
                    one_row_seq_len = capacity.SeqLen, one_row_seq_len_checkpointed = capacity.SeqLenCheckpointed,
                },
            }));
            return ExitCodes.Success;
        }
        string G(double bytes) => (bytes / 1e9).ToString("0.00", CultureInfo.InvariantCulture);
        var m = config.Model;
        o.WriteLine($"{plan.Parameters / 1e6:N1}M parameters (dim {m.Dim}, {m.Layers} layers, vocabulary {m.VocabSize:N0}); {plan.World} rank(s), " +
            $"{plan.MicroTokens:N0} tokens per micro-batch per rank, {plan.Precision}{(plan.Zero > 0 ? $", ZeRO-{plan.Zero}" : "")}{(plan.Checkpointing ? ", activation checkpointing" : "")}" +
            $"{(plan.LossChunk > 0 ? $", loss chunks of {plan.LossChunk}" : "")}; {plan.Device}");
        o.WriteLine();
        o.WriteLine("| per rank | GB |");
        o.WriteLine("|---|---:|");
        foreach (var item in plan.Items)
            o.WriteLine($"| {item.Component} | {G(item.Bytes)} |");
        o.WriteLine($"| **total** | **{G(plan.Total)}** |");
        o.WriteLine();
        o.WriteLine($"static state: {plan.BytesPerParameter:F1} bytes per parameter" + (limit is { } lim
            ? $"; {(fits == true ? "fits" : "does not fit")} in {G(lim)} GB with 10% kept free" : ""));
        if (fits == false)
            o.WriteLine(suggestion is null
                ? "no change fits it (tried: ZeRO-1, activation checkpointing, micro-batches down to one row per rank, as many ranks as train.batch_size " +
                    "splits over): it needs GPUs with more memory"
                : $"fits with: {suggestion.Change} ({G(suggestion.Plan.Total)} GB per rank on {suggestion.World} rank(s))");
        if (capacity is not null)
            o.WriteLine($"largest micro-batch per rank that fits: {capacity.Rows} row(s) of {config.Train.SeqLen:N0} tokens, {capacity.RowsCheckpointed} with activation checkpointing; " +
                $"at one row, up to {capacity.SeqLen:N0} tokens ({capacity.SeqLenCheckpointed:N0} checkpointed; the model's context is {m.ContextLength:N0})");
        return fits == false ? ExitCodes.Failure : ExitCodes.Success;
    }
}
