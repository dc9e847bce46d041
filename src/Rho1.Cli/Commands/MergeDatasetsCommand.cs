// `rho1 merge-datasets`: options only; the action calls DatasetMerger.Run.
using System.CommandLine;
using Rho1.Data.Prepare;

namespace Rho1.Cli.Commands;

public sealed class MergeDatasetsCommand
{
    readonly Argument<string[]> _parts = new("parts") { Description = "The part directories made by `prepare --part I/N` (all N, any order).", Arity = ArgumentArity.OneOrMore };
    readonly Option<string> _output = new("--output", "-o") { Description = "Dataset directory to create.", Required = true };
    readonly Option<bool> _force = new("--force") { Description = "Replace an existing dataset (only after the merged one is complete)." };

    public Command Create()
    {
        var command = new Command("merge-datasets",
            "Make one dataset of the parts `prepare --part I/N` made: checked to be of one input and tokenizer and to fit end to end, their " +
            "shards verified and hard-linked (copied across file systems), never rewritten.\n\n" +
            "Example:\n  rho1 merge-datasets data/owm-part1 data/owm-part2 data/owm-part3 --output data/owm")
        {
            _parts, _output, _force,
        };
        command.SetAction(parse =>
        {
            var meta = DatasetMerger.Run(parse.GetValue(_parts)!, parse.GetValue(_output)!, parse.GetValue(_force));
            var o = parse.InvocationConfiguration.Output;
            foreach (var (name, split) in meta.Splits)
                o.WriteLine($"{name,-5} {split.Tokens,14:N0} tokens {split.Documents,10:N0} documents {split.Shards.Count,4} shards");
            o.WriteLine($"wrote {parse.GetValue(_output)} ({meta.MergedParts} parts, tokenizer {meta.Tokenizer}, fingerprint {meta.Fingerprint[..16]})");
            return ExitCodes.Success;
        });
        return command;
    }
}
