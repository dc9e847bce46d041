// Few-shot prompts hold exactly K examples, never the item itself (by index among its own items; by id, else by the
// record up to key order, from another file), drawn reproducibly from the seed.
using System.Text.Json.Nodes;
using Rho1.Evaluation.Tasks;

namespace Rho1.Tests.Evaluation.Tasks;

public class FewShotTests
{
    static List<TaskItem> Items(int n)
    {
        var records = Enumerable.Range(0, n).Select(i => (JsonObject)JsonNode.Parse($$"""{"context": "Q{{i}}:", "choices": [" a{{i}}", " b{{i}}"], "gold": {{i % 2}}}""")!).ToList();
        return TaskLayouts.Build(TaskLayouts.All[0], records, "t");
    }

    [Fact]
    public void Prompts_hold_K_examples_and_never_the_item()
    {
        var items = Items(6);
        foreach (var item in items)
        {
            string prefix = FewShot.Prefix(item, items, 5, seed: 7);
            var examples = prefix.Split(FewShot.Separator, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(5, examples.Length);
            Assert.DoesNotContain(item.Example, examples);
            Assert.Equal(5, examples.Distinct().Count());
            Assert.All(examples, e => Assert.Contains(e, items.Select(i => i.Example)));
        }
    }

    [Fact]
    public void The_draw_is_fixed_by_the_seed_and_differs_between_items()
    {
        var items = Items(40);
        Assert.Equal(FewShot.Prefix(items[3], items, 3, seed: 1), FewShot.Prefix(items[3], items, 3, seed: 1));
        Assert.NotEqual(FewShot.Prefix(items[3], items, 3, seed: 1), FewShot.Prefix(items[3], items, 3, seed: 2));
        Assert.NotEqual(FewShot.Prefix(items[3], items, 3, seed: 1), FewShot.Prefix(items[4], items, 3, seed: 1));
        Assert.Equal("", FewShot.Prefix(items[3], items, 0, seed: 1));
    }

    [Fact]
    public void An_identical_record_in_a_separate_pool_is_never_shown()
    {
        var items = Items(3);
        var pool = Items(3); // the same file given as --fewshot-from
        for (int s = 0; s < 20; s++)
            Assert.DoesNotContain(items[1].Example, FewShot.Prefix(items[1], pool, 2, seed: s).Split(FewShot.Separator));
    }

    static List<TaskItem> Build(params string[] records) =>
        TaskLayouts.Build(TaskLayouts.All[0], [.. records.Select(r => (JsonObject)JsonNode.Parse(r)!)], "t");

    [Fact]
    public void Among_its_own_items_an_item_is_excluded_by_index_so_a_duplicate_record_is_another_item()
    {
        var items = Build("""{"context": "Q:", "choices": [" a", " b"], "gold": 0}""", """{"context": "Q:", "choices": [" a", " b"], "gold": 0}""",
            """{"context": "R:", "choices": [" c", " d"], "gold": 1}""");
        // Two shots from the two other items: the duplicate of item 0 is one of them.
        var examples = FewShot.Prefix(items[0], items, 2, seed: 3, poolIsItems: true).Split(FewShot.Separator, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["Q: a", "R: d"], examples.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void From_another_file_the_same_item_is_recognised_by_id_or_by_its_record_in_any_key_order()
    {
        var items = Build("""{"id": "q7", "context": "Q:", "choices": [" a", " b"], "gold": 0}""", """{"context": "P:", "choices": [" x", " y"], "gold": 1}""");
        var pool = Build(
            """{"gold": 0, "choices": [" a", " b"], "context": "Q:", "id": "q7"}""",       // item 0, keys in another order
            """{"id": "q7", "context": "Q (reworded):", "choices": [" a", " b"], "gold": 0}""", // item 0 again by its id
            """{"gold": 1, "context": "P:", "choices": [" x", " y"]}""",                   // item 1, keys in another order, no id
            """{"id": "z", "context": "Z:", "choices": [" z", " w"], "gold": 0}""");
        for (int seed = 0; seed < 10; seed++)
        {
            Assert.Equal("Z: z\n\nP: y\n\n".Length, FewShot.Prefix(items[0], pool, 2, seed).Length); // only the two other items qualify
            Assert.DoesNotContain("Q", FewShot.Prefix(items[0], pool, 2, seed));
            Assert.DoesNotContain("P: y", FewShot.Prefix(items[1], pool, 3, seed));
        }
        Assert.Equal("q7", items[0].Id);
        Assert.Null(items[1].Id);
    }

    [Fact]
    public void More_shots_than_the_pool_offers_are_refused()
    {
        Assert.Contains("1 items other than the one asked", Assert.Throws<UserErrorException>(() => FewShot.Check(2, 2, poolIsItems: true, "t")).Message);
        Assert.Contains("2 examples in --fewshot-from", Assert.Throws<UserErrorException>(() => FewShot.Check(3, 2, poolIsItems: false, "t")).Message);
        FewShot.Check(2, 2, poolIsItems: false, "t");
    }
}
