// A task ready to evaluate: its items (after --limit), its layout, and the pool few-shot examples come from, all read
// and checked before any model work, so that a bad task file fails in one line before minutes are spent.

namespace Rho1.Evaluation.Tasks;

public sealed record EvalTask(string Name, string Path, TaskLayout Layout, IReadOnlyList<TaskItem> Items, IReadOnlyList<TaskItem> Pool, bool PoolIsItems)
{
    /// <summary>Reads <paramref name="path"/> (and <paramref name="fewShotFrom"/>), recognises the layout, and checks <paramref name="shots"/> against the pool.</summary>
    public static EvalTask Load(string path, string? fewShotFrom = null, int limit = 0, int shots = 0)
    {
        if (limit < 0) throw new UserErrorException($"--limit {limit}: must be >= 0 (0 = every item)");
        var records = TaskFile.Read(path);
        var layout = TaskLayouts.Recognise(records[0], path);
        var all = TaskLayouts.Build(layout, records, path);
        List<TaskItem> pool = all;
        if (fewShotFrom != null)
        {
            var poolRecords = TaskFile.Read(fewShotFrom);
            var poolLayout = TaskLayouts.Recognise(poolRecords[0], fewShotFrom);
            if (poolLayout.Name != layout.Name)
                throw new UserErrorException($"--fewshot-from {fewShotFrom} has the {poolLayout.Name} layout, task {path} the {layout.Name} layout; they must match");
            pool = TaskLayouts.Build(poolLayout, poolRecords, fewShotFrom);
        }
        string name = TaskFile.NameOf(path);
        FewShot.Check(shots, pool.Count, fewShotFrom == null, name);
        var items = limit > 0 && limit < all.Count ? all.GetRange(0, limit) : all;
        return new EvalTask(name, path, layout, items, pool, fewShotFrom == null);
    }
}
