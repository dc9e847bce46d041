// Which split of a prepared dataset `eval` and `analyze` read when none is named: val when it holds tokens, else the
// only split that does (held-out text prepared with --val-fraction 0 has only train), said in the log. One rule for
// both verbs, so that a dataset one of them accepts the other does too.
using Rho1.Data.Reading;

namespace Rho1.Evaluation;

public static class HeldOutSplit
{
    /// <summary>The split to read: <paramref name="requested"/>, else the default above; refused when it holds fewer than <paramref name="minTokens"/> tokens.</summary>
    public static string Choose(TokenDataset dataset, string? requested, long minTokens = 1)
    {
        string name = requested ?? Default(dataset);
        if (!dataset.Meta.Splits.TryGetValue(name, out var meta) || meta.Tokens < minTokens)
            throw new UserErrorException($"{dataset.Directory} has no '{name}' split with tokens (splits: " +
                $"{string.Join(", ", dataset.Meta.Splits.Select(s => $"{s.Key} {s.Value.Tokens:N0} tokens"))}); choose one with --split");
        return name;
    }

    static string Default(TokenDataset dataset)
    {
        if (dataset.Meta.Splits.TryGetValue("val", out var val) && val.Tokens > 0) return "val";
        var nonEmpty = dataset.Meta.Splits.Where(s => s.Value.Tokens > 0).Select(s => s.Key).ToList();
        if (nonEmpty.Count != 1) return "val";
        Serilog.Log.Information("{Data} has no val tokens; reading its {Split} split (all of its {Tokens:N0} tokens)", dataset.Directory, nonEmpty[0],
            dataset.Meta.Splits[nonEmpty[0]].Tokens);
        return nonEmpty[0];
    }
}
