// `rho1 prepare`: options only; the action builds PrepareOptions and calls DatasetPreparer.Run.
using System.CommandLine;
using Rho1.Data.Prepare;

namespace Rho1.Cli.Commands;

public static class PrepareCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "Input files, directories (recursive) or globs; .txt, .jsonl, .json, each optionally .gz. Repeatable.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--output", "-o") { Description = "Dataset directory to create.", Required = true };
        var tokenizer = new Option<string>("--tokenizer", "-t")
        {
            Description = "gpt2, r50k, p50k, cl100k, o200k, bytes, a SentencePiece .model, or a BPE vocab.json (merges.txt beside it) or its directory.",
            Required = true,
        };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of documents held out for val.", DefaultValueFactory = _ => 0.05 };
        var jsonlField = new Option<string>("--jsonl-field") { Description = "JSON string field holding each document.", DefaultValueFactory = _ => "text" };
        var seed = new Option<long>("--seed") { Description = "Seed of the train/val split.", DefaultValueFactory = _ => 1234 };
        var force = new Option<bool>("--force") { Description = "Replace an existing output (only after the new dataset is complete)." };
        var shardTokens = new Option<long>("--shard-tokens") { Description = "Tokens per shard file.", DefaultValueFactory = _ => 100_000_000 };
        var splitBlankLines = new Option<bool>("--split-blank-lines")
        {
            Description = "Plain text: each blank-line-separated block is a document (default: each file is one document).",
        };
        var threads = new Option<int>("--threads") { Description = "Tokenizer threads (the output does not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("prepare",
            "Tokenize a corpus into train/val token shards with checksums and meta.json. Each document is followed by the " +
            "tokenizer's end-of-text id; documents go to val by a seeded hash of their index.\n\n" +
            "Examples:\n  rho1 prepare --input corpus/ --output data/web --tokenizer gpt2\n" +
            "  rho1 prepare -i 'dumps/*.jsonl.gz' -o data/clean -t tokenizer.model --val-fraction 0.01 --force")
        {
            input, output, tokenizer, valFraction, jsonlField, seed, force, shardTokens, splitBlankLines, threads,
        };
        command.SetAction(parse =>
        {
            var options = new PrepareOptions(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(tokenizer)!)
            {
                ValFraction = parse.GetValue(valFraction),
                JsonlField = parse.GetValue(jsonlField)!,
                Seed = parse.GetValue(seed),
                Force = parse.GetValue(force),
                ShardTokens = parse.GetValue(shardTokens),
                SplitBlankLines = parse.GetValue(splitBlankLines),
                Threads = parse.GetValue(threads),
            };
            using var progress = new ProgressDisplay(parse.InvocationConfiguration.Error);
            var meta = DatasetPreparer.Run(options, progress);
            progress.Finish();
            var o = parse.InvocationConfiguration.Output;
            foreach (var (name, split) in meta.Splits)
                o.WriteLine($"{name,-5} {split.Tokens,14:N0} tokens {split.Documents,10:N0} documents {split.Shards.Count,4} shards");
            o.WriteLine($"wrote {options.Output} (tokenizer {meta.Tokenizer}, fingerprint {meta.Fingerprint[..16]})");
            return ExitCodes.Success;
        });
        return command;
    }
}
