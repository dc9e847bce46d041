// `rho1 prepare`: options only; the action builds PrepareOptions and calls DatasetPreparer.Run.
using System.CommandLine;
using Rho1.Data.Prepare;

namespace Rho1.Cli.Commands;

public sealed class PrepareCommand
{
    readonly Option<string[]> _input = new("--input", "-i")
    {
        Description = "Input files, directories (recursive) or globs; .txt, .jsonl, .json, each optionally .gz or .zst; .parquet. Repeatable.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };
    readonly Option<string> _output = new("--output", "-o") { Description = "Dataset directory to create.", Required = true };
    readonly Option<string> _tokenizer = new("--tokenizer", "-t")
    {
        Description = "gpt2, r50k, cl100k, o200k, bytes, hf:DIR (a Hugging Face model's tokenizer.model, else its byte-level BPE tokenizer.json), " +
            "a SentencePiece .model, a tokenizer.json, or a BPE vocab.json (merges.txt beside it) or its directory. (p50k needs a data package this build lacks.)",
        Required = true,
    };
    readonly Option<double> _valFraction = new("--val-fraction") { Description = "Fraction of documents held out for val.", DefaultValueFactory = _ => 0.05 };
    readonly Option<string> _jsonlField = new("--text-field", "--jsonl-field")
    {
        Description = "The field (JSONL, JSON) or column (Parquet) holding each document's text.", DefaultValueFactory = _ => "text",
    };
    readonly Option<bool> _skipUnknown = new("--skip-unknown")
    {
        Description = "Leave out files of a directory or glob in formats prepare does not read, naming each in a warning (refused by default).",
    };
    readonly Option<string?> _part = new("--part")
    {
        Description = "Prepare only part I of N (e.g. 2/8): a contiguous run of the input's files and Parquet row groups, a complete dataset " +
            "of its own; `rho1 merge-datasets` makes one dataset of all N, equal in tokens and order to one prepare.",
    };
    readonly Option<string?> _bos = new("--bos")
    {
        Description = "Token before each document, or none. Default: as the model's tokenizer frames a sequence (Llama 2/3, Mistral: BOS; Qwen, GPT-2: none).",
    };
    readonly Option<string?> _eos = new("--eos")
    {
        Description = "Token after each document. Default: the tokenizer's end-of-text, the pretraining separator (Qwen: <|endoftext|>, not the chat <|im_end|>).",
    };
    readonly Option<long> _seed = new("--seed") { Description = "Seed of the train/val split.", DefaultValueFactory = _ => 1234 };
    readonly Option<bool> _force = new("--force") { Description = "Replace an existing output (only after the new dataset is complete)." };
    readonly Option<long> _shardTokens = new("--shard-tokens") { Description = "Tokens per shard file.", DefaultValueFactory = _ => 100_000_000 };
    readonly Option<bool> _splitBlankLines = new("--split-blank-lines")
    {
        Description = "Plain text: each blank-line-separated block is a document (default: each file is one document).",
    };
    readonly Option<bool> _allowBinary = new("--allow-binary")
    {
        Description = "Prepare files that look binary (NUL in over 0.1% of characters, or invalid UTF-8 in over 20%); refused by default.",
    };
    readonly Option<int> _threads = new("--threads") { Description = "Tokenizer threads (the output does not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };

    public Command Create()
    {
        var command = new Command("prepare",
            "Tokenize a corpus into train/val token shards with checksums and meta.json. Each document is framed as the " +
            "model's tokenizer frames a sequence (a BOS first where its files add one) and followed by its end-of-text id; documents go to val by a seeded hash of their index.\n\n" +
            "Examples:\n  rho1 prepare --input corpus/ --output data/web --tokenizer gpt2\n" +
            "  rho1 prepare -i 'owm/*.parquet' -o data/owm-part3 -t gpt2 --part 3/8\n" +
            "  rho1 prepare -i 'dumps/*.jsonl.gz' -o data/clean -t tokenizer.model --val-fraction 0.01 --force")
        {
            _input, _output, _tokenizer, _valFraction, _jsonlField, _seed, _force, _shardTokens, _splitBlankLines, _allowBinary, _threads,
            _skipUnknown, _part, _bos, _eos,
        };
        command.SetAction((parse, cancel) =>
        {
            var options = Options(parse);
            using var progress = new ProgressDisplay(parse.InvocationConfiguration.Error);
            var meta = DatasetPreparer.Run(options, progress, cancel);
            progress.Finish();
            var o = parse.InvocationConfiguration.Output;
            foreach (var (name, split) in meta.Splits)
                o.WriteLine($"{name,-5} {split.Tokens,14:N0} tokens {split.Documents,10:N0} documents {split.Shards.Count,4} shards");
            o.WriteLine($"wrote {options.Output} (tokenizer {meta.Tokenizer}, fingerprint {meta.Fingerprint[..16]})");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public PrepareOptions Options(ParseResult parse) =>
        new(parse.GetValue(_input)!, parse.GetValue(_output)!, parse.GetValue(_tokenizer)!)
        {
            ValFraction = parse.GetValue(_valFraction),
            JsonlField = parse.GetValue(_jsonlField)!,
            Seed = parse.GetValue(_seed),
            Force = parse.GetValue(_force),
            ShardTokens = parse.GetValue(_shardTokens),
            SplitBlankLines = parse.GetValue(_splitBlankLines),
            AllowBinary = parse.GetValue(_allowBinary),
            Threads = parse.GetValue(_threads),
            SkipUnknown = parse.GetValue(_skipUnknown),
            Part = parse.GetValue(_part) is { } part ? InputPart.Parse(part) : null,
            Bos = parse.GetValue(_bos),
            Eos = parse.GetValue(_eos),
        };
}
