// Opens a prepared dataset directory: meta.json plus memory-mapped shards. Opening does the cheap checks
// (headers, sizes, counts against meta.json); Verify() does the expensive one (every payload's SHA-256).
using System.Security.Cryptography;
using Rho1.Data.Format;
using Rho1.Data.Prepare;

namespace Rho1.Data.Reading;

/// <summary>A dataset written by <see cref="DatasetPreparer"/>.</summary>
public sealed class TokenDataset : IDisposable
{
    readonly Dictionary<string, TokenSplit> _splits = [];
    readonly List<ShardView> _shards = [];

    TokenDataset(string directory, DatasetMeta meta)
    {
        Directory = directory;
        Meta = meta;
    }

    /// <summary>The dataset directory.</summary>
    public string Directory { get; }

    /// <summary>Contents of meta.json.</summary>
    public DatasetMeta Meta { get; }

    /// <summary>Hash of every shard checksum; equal fingerprints mean identical token content.</summary>
    public string Fingerprint => Meta.Fingerprint;

    /// <summary>Opens <paramref name="directory"/>; any missing, truncated or inconsistent file is a <see cref="UserErrorException"/>.</summary>
    public static TokenDataset Open(string directory)
    {
        var meta = DatasetMetaFile.Read(directory);
        string metaPath = Path.Combine(directory, DatasetLayout.MetaFile);
        if (meta.TokenBytes != DatasetLayout.TokenBytesFor(meta.VocabSize))
            throw new UserErrorException($"{metaPath}: token_bytes {meta.TokenBytes} does not fit vocab_size {meta.VocabSize}");
        if (DatasetMetaFile.Fingerprint(meta.Splits) != meta.Fingerprint)
            throw new UserErrorException($"{metaPath}: fingerprint does not match the shard list; the file was edited");
        var dataset = new TokenDataset(directory, meta);
        try
        {
            foreach (var (name, split) in meta.Splits)
            {
                var views = split.Shards.Select(s =>
                {
                    var view = ShardView.Open(Path.Combine(directory, s.File), s, meta.TokenBytes);
                    dataset._shards.Add(view);
                    return view;
                }).ToArray();
                if (views.Sum(v => v.Meta.Tokens) != split.Tokens)
                    throw new UserErrorException($"{metaPath}: split {name} says {split.Tokens} tokens but its shards hold {views.Sum(v => v.Meta.Tokens)}");
                dataset._splits[name] = new TokenSplit(name, split, views);
            }
            return dataset;
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Open"/> plus <see cref="Verify"/>: what train, score and eval read through, so that a flipped byte in
    /// any shard is refused, as a <see cref="UserErrorException"/> naming the shard, before one of its tokens is used.
    /// </summary>
    public static TokenDataset OpenVerified(string directory)
    {
        var dataset = Open(directory);
        try
        {
            dataset.Verify();
            return dataset;
        }
        catch (DataCorruptException e)
        {
            dataset.Dispose();
            throw new UserErrorException($"{e.Message}; re-run 'rho1 prepare'", e);
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
    }

    /// <summary>The split called <paramref name="name"/> ("train" or "val").</summary>
    public TokenSplit Split(string name) => _splits.TryGetValue(name, out var split) ? split
        : throw new UserErrorException($"dataset {Directory} has no split '{name}' (it has {string.Join(", ", _splits.Keys)})");

    /// <summary>Recomputes every shard's payload SHA-256; throws <see cref="DataCorruptException"/> naming the first bad shard.</summary>
    public void Verify()
    {
        foreach (var shard in _shards)
        {
            using var file = File.OpenRead(shard.Path);
            file.Position = DatasetLayout.HeaderBytes;
            string actual = Convert.ToHexStringLower(SHA256.HashData(file));
            if (actual != shard.Meta.Sha256)
                throw new DataCorruptException(shard.Path,
                    $"shard {shard.Path} is corrupt: payload SHA-256 is {actual}, expected {shard.Meta.Sha256}");
        }
    }

    public void Dispose()
    {
        foreach (var shard in _shards)
            shard.Dispose();
        _shards.Clear();
    }
}
