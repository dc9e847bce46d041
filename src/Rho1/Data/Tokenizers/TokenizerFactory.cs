// Turns a tokenizer name or path into an ITextTokenizer, and re-creates a dataset's tokenizer from its meta.json
// id and the files copied into DIR/tokenizer/. It is the only place that knows the list of names.
using System.Security.Cryptography;
using Microsoft.ML.Tokenizers;
using Rho1.Data.Format;

namespace Rho1.Data.Tokenizers;

/// <summary>Creates tokenizers by name (gpt2, r50k, p50k, cl100k, o200k, bytes) or by file path.</summary>
public static class TokenizerFactory
{
    const string Names = "gpt2, r50k, cl100k, o200k, bytes, hf:DIR (a Hugging Face model's tokenizer.model or tokenizer.json), a SentencePiece .model file, " +
        "a byte-level BPE tokenizer.json, or a BPE vocab.json (merges.txt beside it) or its directory";

    /// <summary>
    /// Creates the tokenizer <paramref name="nameOrPath"/> names: a built-in name, a SentencePiece `.model` file,
    /// or a byte-level BPE pair as a directory or a vocab.json path with merges.txt beside it.
    /// Throws <see cref="UserErrorException"/> for an unknown name or a file that does not load.
    /// </summary>
    public static ITextTokenizer Create(string nameOrPath)
    {
        switch (nameOrPath.ToLowerInvariant())
        {
            case "bytes": return new ByteTextTokenizer();
            case "gpt2": return Tiktoken("gpt2", () => TiktokenTokenizer.CreateForModel("gpt2"));
            case "r50k" or "r50k_base": return Tiktoken("r50k", () => TiktokenTokenizer.CreateForEncoding("r50k_base"));
            case "p50k" or "p50k_base": return Tiktoken("p50k", () => TiktokenTokenizer.CreateForEncoding("p50k_base"));
            case "cl100k" or "cl100k_base": return Tiktoken("cl100k", () => TiktokenTokenizer.CreateForEncoding("cl100k_base"));
            case "o200k" or "o200k_base": return Tiktoken("o200k", () => TiktokenTokenizer.CreateForEncoding("o200k_base"));
        }
        if (nameOrPath.StartsWith("hf:", StringComparison.Ordinal))
            return HuggingFace(nameOrPath[3..]);
        if (Directory.Exists(nameOrPath))
        {
            string vocab = Path.Combine(nameOrPath, "vocab.json");
            string model = Path.Combine(nameOrPath, "tokenizer.model");
            if (File.Exists(vocab))
                return BpePair(vocab);
            if (File.Exists(model))
                return SentencePieceTextTokenizer.Load(model);
            if (File.Exists(Path.Combine(nameOrPath, TokenizerJsonLoader.FileName)))
                return TokenizerJsonLoader.Load(Path.Combine(nameOrPath, TokenizerJsonLoader.FileName));
            throw new UserErrorException($"tokenizer directory {nameOrPath} holds neither vocab.json + merges.txt, tokenizer.model nor tokenizer.json");
        }
        if (File.Exists(nameOrPath))
        {
            if (nameOrPath.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
                return SentencePieceTextTokenizer.Load(nameOrPath);
            if (Path.GetFileName(nameOrPath).Equals(TokenizerJsonLoader.FileName, StringComparison.OrdinalIgnoreCase))
                return TokenizerJsonLoader.Load(nameOrPath);
            if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return BpePair(nameOrPath);
            throw new UserErrorException($"tokenizer file {nameOrPath} is neither a SentencePiece .model nor a BPE vocab .json");
        }
        throw new UserErrorException($"unknown tokenizer '{nameOrPath}': use {Names}");
    }

    /// <summary>
    /// A Hugging Face model's tokenizer (hf:DIR): its SentencePiece tokenizer.model when it has one (Llama 1/2, TinyLlama,
    /// Mistral: their tokenizer.json is a byte-fallback BPE), else its byte-level BPE tokenizer.json (Llama 3, GPT-style).
    /// </summary>
    public static ITextTokenizer HuggingFace(string dir)
    {
        if (!Directory.Exists(dir))
            throw new UserErrorException($"--tokenizer hf:{dir}: no such directory");
        string model = Path.Combine(dir, "tokenizer.model"), json = Path.Combine(dir, TokenizerJsonLoader.FileName);
        if (File.Exists(model)) return SentencePieceTextTokenizer.Load(model);
        if (File.Exists(json)) return TokenizerJsonLoader.Load(json);
        if (File.Exists(Path.Combine(dir, "vocab.json"))) return BpePair(Path.Combine(dir, "vocab.json"));
        throw new UserErrorException($"--tokenizer hf:{dir}: holds neither tokenizer.model nor tokenizer.json");
    }

    /// <summary>
    /// Whether two tokenizer ids name the same vocabulary: the same kind and the same hash of the files' bytes, whatever
    /// the files were called (an export renames a SentencePiece model to tokenizer.model, as Hugging Face expects).
    /// </summary>
    public static bool SameVocabulary(string a, string b)
    {
        static (string Kind, string Hash) Parts(string id) =>
            id.IndexOf(':') is var colon and > 0 && id.LastIndexOf('@') is var at && at > colon ? (id[..colon], id[(at + 1)..]) : (id, "");
        return Parts(a) == Parts(b);
    }

    /// <summary>
    /// Re-creates the tokenizer of the dataset in <paramref name="datasetDirectory"/> from meta.json's id and, for
    /// file-based tokenizers, the copies in its tokenizer/ folder; refuses copies whose hash differs from the id.
    /// </summary>
    public static ITextTokenizer ForDataset(string datasetDirectory)
    {
        string id = DatasetMetaFile.Read(datasetDirectory).Tokenizer;
        int colon = id.IndexOf(':');
        int at = id.LastIndexOf('@');
        if (colon < 0 || at < colon)
            return Framed(Create(id), DatasetMetaFile.Read(datasetDirectory));
        string file = Path.Combine(datasetDirectory, DatasetLayout.TokenizerFolder, id[(colon + 1)..at]);
        var tokenizer = Create(file);
        if (tokenizer.Id != id)
            throw new UserErrorException(
                $"tokenizer files in {Path.GetDirectoryName(file)} give id {tokenizer.Id} but meta.json says {id}; restore the original files");
        return Framed(tokenizer, DatasetMetaFile.Read(datasetDirectory));
    }

    /// <summary>The tokenizer as the dataset framed its documents (its meta.json's eos_id and bos_id), when that differs from the tokenizer's own.</summary>
    static ITextTokenizer Framed(ITextTokenizer tokenizer, DatasetMeta meta) =>
        meta.EosId == tokenizer.EosId && meta.BosId == (tokenizer.FramesWithBos ? tokenizer.BosId : null) ? tokenizer : new FramedTokenizer(tokenizer, meta.EosId, meta.BosId);

    static ITextTokenizer Tiktoken(string id, Func<TiktokenTokenizer> create)
    {
        try
        {
            return new TiktokenTextTokenizer(id, create);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("could not be loaded", StringComparison.Ordinal))
        {
            // The vocabularies ship as separate NuGet data packages; p50k_base's is not referenced by Rho1.
            throw new UserErrorException(
                $"tokenizer '{id}' needs a vocabulary data package that is not available in this build ({e.Message}); use r50k, gpt2, cl100k or o200k", e);
        }
    }

    static ITextTokenizer BpePair(string vocabPath)
    {
        string merges = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(vocabPath))!, "merges.txt");
        if (!File.Exists(merges))
            throw new UserErrorException($"tokenizer file {vocabPath} needs merges.txt beside it ({merges} is missing)");
        return BpePairTextTokenizer.Load(vocabPath, merges);
    }

    /// <summary>First 12 hex digits of the SHA-256 of the files' bytes, in order: enough to tell vocabularies apart.</summary>
    internal static string ShortHash(params string[] paths)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string path in paths)
            hash.AppendData(File.ReadAllBytes(path));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
