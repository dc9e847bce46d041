// What `rho1 prepare` was asked to do; the CLI builds it from its options and hands it to DatasetPreparer.

namespace Rho1.Data.Prepare;

/// <summary>Options of <see cref="DatasetPreparer.Run"/>.</summary>
/// <param name="Inputs">Files, directories (searched recursively) and globs; .txt, .jsonl, .json, each optionally .gz.</param>
/// <param name="Output">Dataset directory to create.</param>
/// <param name="Tokenizer">Name or path accepted by <see cref="Tokenizers.TokenizerFactory.Create"/>.</param>
public sealed record PrepareOptions(IReadOnlyList<string> Inputs, string Output, string Tokenizer)
{
    /// <summary>Expected fraction of documents in the val split, in [0, 1). Default 0.05.</summary>
    public double ValFraction { get; init; } = 0.05;
    /// <summary>The string field holding a document in JSONL objects (and JSON array objects). Default "text".</summary>
    public string JsonlField { get; init; } = "text";
    /// <summary>Seeds the train/val assignment of documents. Default 1234.</summary>
    public long Seed { get; init; } = 1234;
    /// <summary>Replace an existing output directory (only once the new dataset is complete).</summary>
    public bool Force { get; init; }
    /// <summary>Tokens per shard file before a new one starts. Default 100 million.</summary>
    public long ShardTokens { get; init; } = 100_000_000;
    /// <summary>Plain text: each blank-line-separated block is a document (default: each file is one).</summary>
    public bool SplitBlankLines { get; init; }
    /// <summary>Accept input that looks binary (NUL or invalid UTF-8 shares above DocumentReader's limits), refused by default.</summary>
    public bool AllowBinary { get; init; }
    /// <summary>Tokenizer threads. Default: every core. The output does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Leave out (with a warning naming each) files of a directory or glob that prepare cannot read; refused otherwise.</summary>
    public bool SkipUnknown { get; init; }
    /// <summary>Prepare only the I-th of N slices of the input (`--part I/N`); null: all of it.</summary>
    public InputPart? Part { get; init; }
    /// <summary>The token before each document (`--bos`): null = as the model's tokenizer frames a sequence, "none" = nothing.</summary>
    public string? Bos { get; init; }
    /// <summary>The token after each document (`--eos`): null = the tokenizer's end-of-text (the pretraining separator).</summary>
    public string? Eos { get; init; }
}

