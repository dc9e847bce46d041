// Wraps Microsoft.ML.Tokenizers' TiktokenTokenizer (gpt2, r50k, p50k, cl100k, o200k) as an ITextTokenizer.
// Its one addition: text that spells a special token ("<|endoftext|>") is encoded as ordinary text, because
// the library would emit the special id and so plant a false document boundary in the corpus.
using Microsoft.ML.Tokenizers;

namespace Rho1.Data.Tokenizers;

internal sealed class TiktokenTextTokenizer : ITextTokenizer
{
    readonly InstancePool<TiktokenTokenizer> _pool;
    readonly string[] _specialTexts;

    public TiktokenTextTokenizer(string id, Func<TiktokenTokenizer> create)
    {
        var inner = create();
        _pool = new InstancePool<TiktokenTokenizer>(inner, create);
        var specials = inner.SpecialTokens ?? throw new InvalidOperationException($"tokenizer {id} has no special tokens");
        _specialTexts = specials.Keys.ToArray();
        Id = id;
        EosId = specials[EosAwareDecoder.Marker];
        // In every tiktoken encoding the special tokens sit above the ordinary ranks, so the largest is the last id.
        VocabSize = specials.Values.Max() + 1;
    }

    public string Id { get; }
    public int VocabSize { get; }
    public int EosId { get; }
    public IReadOnlyList<string> Files => [];

    public int[] Encode(string text)
    {
        if (text.Length == 0)
            return [];
        List<int>? cuts = null;
        foreach (string special in _specialTexts)
        {
            for (int at = text.IndexOf(special, StringComparison.Ordinal); at >= 0;
                 at = text.IndexOf(special, at + 1, StringComparison.Ordinal))
                (cuts ??= []).Add(at + 1); // cutting after the first character defeats the match
        }
        return _pool.Use(inner =>
        {
            if (cuts is null)
                return [.. inner.EncodeToIds(text)];
            cuts.Sort();
            var ids = new List<int>(text.Length / 3);
            int start = 0;
            foreach (int cut in cuts.Append(text.Length).Distinct())
            {
                ids.AddRange(inner.EncodeToIds(text[start..cut]));
                start = cut;
            }
            return ids.ToArray();
        });
    }

    public string Decode(ReadOnlySpan<int> ids) => EosAwareDecoder.Decode(ids, EosId, segment => _pool.First.Decode(segment));
}
