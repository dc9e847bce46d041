// Sweep files: the cells they expand to (order, names, each cell's config) and the refusals, each naming the
// file and line of the offending key.
using Rho1.Experiments.Grid;
using Rho1.Tests.Fixtures;
using Rho1.Training.Configuration;

namespace Rho1.Tests.Experiments.Grid;

public class SweepGridTests
{
    const string Grid = """
        {
          // a comment
          "description": "test grid",
          "set": { "train.steps": 12, "selection.score": "excess" },
          "ratios": [0.6, 0.8, 1.0],
          "variants": {
            "hard": {},
            "soft": { "selection.weighting": "soft", "selection.temperature": 0.25 }
          },
          "seeds": [3, 4]
        }
        """;

    [Fact]
    public void Cells_come_in_ratio_variant_seed_order_with_one_plain_cell_per_seed()
    {
        using var dir = new TempDirectory();
        var grid = SweepGrid.Load(dir.File("grid.json", Grid));
        string basePath = dir.File("base.json", """{ "train": { "steps": 99, "seed": 7 }, "selection": { "select": "sequence" } }""");
        var cells = grid.Cells(basePath, ["train.lr=0.002"]);

        Assert.Equal(
            ["ratio-0.60-hard-seed-3", "ratio-0.60-hard-seed-4", "ratio-0.60-soft-seed-3", "ratio-0.60-soft-seed-4",
             "ratio-0.80-hard-seed-3", "ratio-0.80-hard-seed-4", "ratio-0.80-soft-seed-3", "ratio-0.80-soft-seed-4",
             "ratio-1.00-plain-seed-3", "ratio-1.00-plain-seed-4"],
            cells.Select(c => c.Name));
        Assert.Equal(Enumerable.Range(0, 10), cells.Select(c => c.Index));
        foreach (var c in cells)
        {
            // Base file, then "set", the variant, the command line, then the cell's own ratio and seed.
            Assert.Equal(12, c.Config.Train.Steps);
            Assert.Equal(0.002, c.Config.Train.Lr);
            Assert.Equal("sequence", c.Config.Selection.Select);
            Assert.Equal(c.Ratio, c.Config.Selection.Ratio);
            Assert.Equal(c.Seed, c.Config.Train.Seed);
            Assert.Equal(c.Variant == "soft" ? "soft" : "hard", c.Config.Selection.Weighting);
            Assert.Equal(c.Variant == "soft" ? 0.25 : new SelectionConfig().Temperature, c.Config.Selection.Temperature);
        }
        Assert.All(cells.Where(c => c.Ratio == 1.0), c => Assert.True(c.IsBaseline));
    }

    [Fact]
    public void Without_variants_or_seeds_a_grid_is_the_ratios_at_the_base_seed()
    {
        using var dir = new TempDirectory();
        var grid = SweepGrid.Load(dir.File("grid.json", """{ "ratios": [0.5, 1.0] }"""));
        var cells = grid.Cells(dir.File("base.json", """{ "train": { "seed": 21 } }"""), []);
        Assert.Equal(["ratio-0.50-base-seed-21", "ratio-1.00-plain-seed-21"], cells.Select(c => c.Name));
    }

    [Theory]
    [InlineData("{ \"ratios\": [0.6],\n  \"seedz\": [1] }", "grid.json:2: unknown key 'seedz'")]
    [InlineData("{ \"ratios\": [0.6],\n  \"set\": { \"train.stepz\": 4 } }", "grid.json:2: set: train.stepz: unknown key 'train.stepz'")]
    [InlineData("{ \"ratios\": [0.6],\n  \"set\": { \"train.steps\": \"many\" } }", "grid.json:2: set: train.steps: expected a number")]
    [InlineData("{ \"ratios\": [0.6],\n  \"variants\": {\n    \"soft\": { \"train.lr\": 0.1 } } }", "grid.json:3: variant 'soft': train.lr: a variant sets selection.* keys")]
    [InlineData("{ \"ratios\": [0.6],\n  \"variants\": { \"Soft Mode\": {} } }", "grid.json:2: variant 'Soft Mode'")]
    [InlineData("{ \"ratios\": [0.6], \"variants\": { \"plain\": {} } }", "variant 'plain'")]
    [InlineData("{ \"ratios\": [0.6], \"variants\": { \"x\": { \"selection.ratio\": 0.5 } } }", "selection.ratio: a variant sets selection.* keys other than the ratio")]
    [InlineData("{ \"ratios\": [0.6, 0.601] }", "ratio-0.60 is listed twice")]
    [InlineData("{ \"ratios\": [0.6, 1.5] }", "ratios: 1.5 is not a ratio in (0, 1]")]
    [InlineData("{ \"ratios\": [] }", "ratios: expected a non-empty list")]
    [InlineData("{ \"ratios\": [0.6], \"seeds\": [1, 1] }", "seeds: a seed is listed twice")]
    [InlineData("{ \"ratios\": [0.6], \"seeds\": [1.5] }", "seeds: 1.5 is not a non-negative integer")]
    [InlineData("{ \"ratios\": [0.6], \"set\": { \"train.seed\": 3 } }", "train.seed is an axis of the grid")]
    [InlineData("{ \"ratios\": [0.6], }x", "grid.json:1: malformed JSON")]
    public void A_bad_grid_is_refused_with_its_file_and_line(string text, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("grid.json", text);
        var e = Assert.Throws<UserErrorException>(() => SweepGrid.Load(path));
        Assert.Contains(expected, e.Message.Replace(dir.Path + Path.DirectorySeparatorChar, ""));
    }

    [Fact]
    public void A_variant_value_the_selection_refuses_names_the_variant_and_the_command_line_may_not_set_an_axis()
    {
        using var dir = new TempDirectory();
        string basePath = dir.File("base.json", "{}");
        var bad = SweepGrid.Load(dir.File("bad.json", """{ "ratios": [0.6], "variants": { "wide": { "selection.temperature": -1 } } }"""));
        Assert.Contains("variant 'wide' at ratio 0.60: selection.temperature=-1", Assert.Throws<UserErrorException>(() => bad.Cells(basePath, [])).Message);
        var grid = SweepGrid.Load(dir.File("grid.json", """{ "ratios": [0.6] }"""));
        Assert.Contains("train.seed is an axis of --grid", Assert.Throws<UserErrorException>(() => grid.Cells(basePath, ["train.seed=4"])).Message);
        Assert.Contains("selection.ratio is an axis of --grid", Assert.Throws<UserErrorException>(() => grid.Cells(basePath, ["selection.ratio=0.5"])).Message);
    }
}
