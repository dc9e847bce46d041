// `rho1 inspect DIR`: a dataset's metadata and counts, optionally its checksums verified and its first tokens
// decoded. A failed checksum is a runtime failure (exit 1), not bad usage.
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rho1.Data.Format;
using Rho1.Data.Reading;
using Rho1.Data.Tokenizers;

namespace Rho1.Cli.Commands;

public sealed class InspectCommand
{
    readonly Argument<string> _dir = new("dir") { Description = "Dataset directory written by 'rho1 prepare'." };
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object instead of text." };
    readonly Option<bool> _verify = new("--verify") { Description = "Recompute every shard's SHA-256; exit 1 naming a corrupt shard." };
    readonly Option<int> _decode = new("--decode") { Description = "Print the first N tokens of the train split: each id with its text, then the N decoded together (N tokens, not characters: with the bytes tokenizer a token is one byte)." };

    public Command Create()
    {
        var command = new Command("inspect",
            "Show a prepared dataset: tokenizer, vocabulary, per-split tokens, documents and shards.\n\n" +
            "Examples:\n  rho1 inspect data/web\n  rho1 inspect data/web --verify --json\n  rho1 inspect data/web --decode 200")
        {
            _dir, _json, _verify, _decode,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(_dir)!;
            int n = parse.GetValue(_decode);
            if (n < 0)
                throw new UserErrorException($"--decode {n} must not be negative");
            using var dataset = TokenDataset.Open(path);
            bool? verified = null;
            if (parse.GetValue(_verify))
            {
                try
                {
                    dataset.Verify();
                    verified = true;
                }
                catch (DataCorruptException e)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"rho1: error: {e.Message}");
                    return ExitCodes.Failure;
                }
            }
            var decoded = n > 0 ? Decode(dataset, path, n) : null;
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(_json))
                o.WriteLine(JsonSerializer.Serialize(Summary(dataset.Meta, verified, decoded), new JsonSerializerOptions { WriteIndented = true }));
            else
                WriteText(dataset.Meta, verified, decoded, o);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The first <paramref name="n"/> train tokens: each id with its own text, and all of them decoded together.</summary>
    static Decoded Decode(TokenDataset dataset, string path, int n)
    {
        var train = dataset.Split("train");
        var ids = new long[Math.Min(n, train.Length)];
        train.Read(0, ids);
        var tokenizer = TokenizerFactory.ForDataset(path);
        int[] tokens = [.. ids.Select(id => (int)id)];
        return new(tokens.Length, [.. tokens.Select(id => new DecodedToken(id, tokenizer.Decode([id])))], tokenizer.Decode(tokens));
    }

    sealed record DecodedToken([property: JsonPropertyName("id")] int Id, [property: JsonPropertyName("text")] string Text);

    sealed record Decoded([property: JsonPropertyName("count")] int Count, [property: JsonPropertyName("tokens")] DecodedToken[] Tokens,
        [property: JsonPropertyName("text")] string Text);

    /// <summary>Tokens listed one by one in the text output; the decoded text always covers all of them.</summary>
    const int ListedTokens = 64;

    /// <summary>A token's text as a JSON string, readable: non-ASCII letters as they are, control characters escaped.</summary>
    static readonly JsonSerializerOptions Escaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static Dictionary<string, object?> Summary(DatasetMeta meta, bool? verified, Decoded? decoded)
    {
        var summary = new Dictionary<string, object?>
        {
            ["tokenizer"] = meta.Tokenizer,
            ["vocab_size"] = meta.VocabSize,
            ["eos_id"] = meta.EosId,
            ["token_bytes"] = meta.TokenBytes,
            ["format_version"] = meta.FormatVersion,
            ["fingerprint"] = meta.Fingerprint,
            ["created"] = meta.Created,
            ["seed"] = meta.Seed,
            ["val_fraction"] = meta.ValFraction,
            ["splits"] = meta.Splits.ToDictionary(s => s.Key, s => new
            {
                tokens = s.Value.Tokens,
                documents = s.Value.Documents,
                source_bytes = s.Value.SourceBytes,
                shards = s.Value.Shards.Count,
            }),
        };
        if (verified is not null)
            summary["verified"] = verified;
        if (decoded is not null)
            summary["decoded"] = decoded;
        return summary;
    }

    static void WriteText(DatasetMeta meta, bool? verified, Decoded? decoded, TextWriter o)
    {
        o.WriteLine($"tokenizer    {meta.Tokenizer} (vocab {meta.VocabSize}, eos {meta.EosId}, {meta.TokenBytes * 8}-bit ids)");
        o.WriteLine($"fingerprint  {meta.Fingerprint}");
        o.WriteLine($"created      {meta.Created} (seed {meta.Seed}, val fraction {meta.ValFraction})");
        foreach (var (name, split) in meta.Splits)
        {
            double perToken = split.Tokens > 0 ? (double)split.SourceBytes / split.Tokens : 0;
            o.WriteLine($"{name,-12} {split.Tokens,14:N0} tokens {split.Documents,10:N0} documents {split.Shards.Count,4} shards " +
                $"{split.SourceBytes,14:N0} source bytes ({perToken:F2} bytes/token)");
        }
        if (meta.InvalidUtf8Replaced > 0)
            o.WriteLine($"invalid UTF-8 sequences replaced: {meta.InvalidUtf8Replaced}");
        if (verified == true)
            o.WriteLine("checksums    all shards verified");
        if (decoded is not null)
        {
            o.WriteLine($"first {decoded.Count:N0} token{(decoded.Count == 1 ? "" : "s")} of the train split (id, text):");
            foreach (var token in decoded.Tokens.Take(ListedTokens))
                o.WriteLine($"  {token.Id,8} {JsonSerializer.Serialize(token.Text, Escaped)}");
            if (decoded.Count > ListedTokens)
                o.WriteLine($"  … {decoded.Count - ListedTokens:N0} more");
            o.WriteLine("decoded:");
            o.WriteLine(decoded.Text);
        }
    }
}
