// A task ready to evaluate: its items (after --limit), its layout, and the pool few-shot examples come from, all read
// and checked before any model work, so that a bad task file fails in one line before minutes are spent.

namespace Rho1.Evaluation.Tasks;

public sealed record EvalTask(string Name, string Path, TaskLayout Layout, IReadOnlyList<TaskItem> Items, IReadOnlyList<TaskItem> Pool, bool PoolIsItems)
{
    /// <summary>Reads <paramref name="path"/> (and <paramref name="fewShotFrom"/>), recognises the layout, and checks <paramref name="shots"/> against the pool.</summary>
    /// <param name="layout">A layout name that overrides recognition (--layout); null: recognised from the first item.</param>
    public static EvalTask Load(string path, string? fewShotFrom = null, int limit = 0, int shots = 0, string? layout = null)
    {
        if (limit < 0) throw new UserErrorException($"--limit {limit}: must be >= 0 (0 = every item)");
        var records = TaskFile.Read(path);
        var chosen = TaskLayouts.Recognise(records[0], path, layout);
        var all = TaskLayouts.Build(chosen, records, path);
        List<TaskItem> pool = all;
        if (fewShotFrom != null)
        {
            var poolRecords = TaskFile.Read(fewShotFrom);
            var poolLayout = TaskLayouts.Recognise(poolRecords[0], fewShotFrom, layout);
            if (poolLayout.Name != chosen.Name)
                throw new UserErrorException($"--fewshot-from {fewShotFrom} has the {poolLayout.Name} layout, task {path} the {chosen.Name} layout; they must match");
            pool = TaskLayouts.Build(poolLayout, poolRecords, fewShotFrom);
        }
        string name = TaskFile.NameOf(path);
        FewShot.Check(shots, pool.Count, fewShotFrom == null, name);
        var items = limit > 0 && limit < all.Count ? all.GetRange(0, limit) : all;
        return new EvalTask(name, path, chosen, items, pool, fewShotFrom == null);
    }
}
