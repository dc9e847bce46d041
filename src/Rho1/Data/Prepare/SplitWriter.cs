// Appends documents to one split (train or val), rolling over to a new shard every `shardTokens` tokens.
// A document may straddle two shards; it is counted in the shard that holds its EOS.
using Rho1.Data.Format;

namespace Rho1.Data.Prepare;

internal sealed class SplitWriter : IDisposable
{
    readonly string _directory;
    readonly string _name;
    readonly int _tokenBytes;
    readonly long _shardTokens;
    readonly int _vocabSize;
    readonly List<ShardMeta> _shards = [];
    ShardWriter? _current;

    public SplitWriter(string directory, string name, int tokenBytes, long shardTokens, int vocabSize)
    {
        _directory = directory;
        _name = name;
        _tokenBytes = tokenBytes;
        _shardTokens = shardTokens;
        _vocabSize = vocabSize;
    }

    public long Tokens { get; private set; }
    public long Documents { get; private set; }
    public long SourceBytes { get; private set; }

    /// <summary>Appends <paramref name="bosId"/> (when given), a document's ids, then <paramref name="eosId"/>.</summary>
    public void AppendDocument(ReadOnlySpan<int> ids, int eosId, long sourceBytes, int? bosId = null)
    {
        if (bosId is { } bos)
        {
            var framed = new int[ids.Length + 1];
            framed[0] = bos;
            ids.CopyTo(framed.AsSpan(1));
            AppendDocument(framed, eosId, sourceBytes);
            return;
        }
        foreach (int id in ids)
        {
            // A tokenizer that emits an id outside its vocabulary is a bug; catch it before it reaches training.
            if ((uint)id >= (uint)_vocabSize)
                throw new InvalidOperationException($"tokenizer produced id {id}, outside its vocabulary of {_vocabSize}");
        }
        Tokens += ids.Length + 1;
        while (!ids.IsEmpty)
        {
            var shard = CurrentShard();
            int room = (int)Math.Min(ids.Length, _shardTokens - shard.Tokens);
            shard.Append(ids[..room]);
            ids = ids[room..];
        }
        var last = CurrentShard();
        last.Append([eosId]);
        last.EndDocument();
        Documents++;
        SourceBytes += sourceBytes;
    }

    ShardWriter CurrentShard()
    {
        if (_current is { } open && open.Tokens < _shardTokens)
            return open;
        if (_current is not null)
            _shards.Add(_current.Complete());
        _current = new ShardWriter(Path.Combine(_directory, DatasetLayout.ShardFile(_name, _shards.Count)), _tokenBytes);
        return _current;
    }

    public SplitMeta Complete()
    {
        if (_current is not null)
        {
            _shards.Add(_current.Complete());
            _current = null;
        }
        return new SplitMeta(Tokens, Documents, SourceBytes, _shards.ToArray());
    }

    public void Dispose() => _current?.Dispose();
}
