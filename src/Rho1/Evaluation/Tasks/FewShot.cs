// Few-shot prompts: K solved examples drawn for each item with a fixed seed from a pool (the task's --fewshot-from file,
// or the task's own items), never the item itself — from its own items, by index (a duplicate record elsewhere in the
// file is another item); from another file, by "id" where both records have one, else by content (the records equal
// up to key order), so the same file given as both is safe — each separated by a blank line and followed by the
// item's own context.
using Rho1.Data;

namespace Rho1.Evaluation.Tasks;

public static class FewShot
{
    public const string Separator = "\n\n";

    /// <summary>Refuses <paramref name="shots"/> larger than what <paramref name="pool"/> offers an item (the items other than itself).</summary>
    public static void Check(int shots, int poolSize, bool poolIsItems, string task)
    {
        if (shots < 0) throw new UserErrorException($"--few-shot {shots}: must be >= 0");
        int available = poolIsItems ? poolSize - 1 : poolSize;
        if (shots > available)
            throw new UserErrorException($"--few-shot {shots} is larger than the pool of task {task}: {available} " +
                (poolIsItems ? "items other than the one asked" : "examples in --fewshot-from") + "; lower it or give a larger --fewshot-from");
    }

    /// <summary>The text placed before <paramref name="item"/>'s context: K examples and a separator, or "" for zero shots.</summary>
    /// <param name="poolIsItems">Whether <paramref name="pool"/> is the task's own items (the item is excluded by index).</param>
    public static string Prefix(TaskItem item, IReadOnlyList<TaskItem> pool, int shots, long seed, bool poolIsItems = false)
    {
        if (shots == 0) return "";
        var rng = new SplitMix64((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)item.Index);
        var order = Enumerable.Range(0, pool.Count).ToArray();
        var chosen = new List<TaskItem>(shots);
        for (int i = 0; i < order.Length && chosen.Count < shots; i++)
        {
            int j = i + (int)rng.NextBelow((ulong)(order.Length - i)); // a partial Fisher-Yates shuffle
            (order[i], order[j]) = (order[j], order[i]);
            var candidate = pool[order[i]];
            if (!(poolIsItems ? candidate.Index == item.Index : Same(candidate, item)))
                chosen.Add(candidate);
        }
        if (chosen.Count < shots)
            throw new UserErrorException($"--few-shot {shots}: only {chosen.Count} examples differ from item {item.Index + 1}");
        return string.Join(Separator, chosen.Select(e => e.Example)) + Separator;
    }

    /// <summary>One item of two files: the same "id" where both have one, else the same record up to key order.</summary>
    static bool Same(TaskItem a, TaskItem b) => a.Id is { } x && b.Id is { } y ? x == y : a.Source == b.Source;
}
