// Task files read the same items from JSON Lines (plain or compressed) and from Parquet with Hugging Face's nested
// columns (ARC's struct of lists), the Parquet file written by DuckDB, an independent writer.
using System.IO.Compression;
using Rho1.Evaluation.Tasks;
using Rho1.Tests.Data;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Evaluation.Tasks;

public class TaskFileTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tasks", name);

    [Fact]
    public void Parquet_with_nested_choices_reads_as_the_same_items_as_its_JSON_lines()
    {
        var parquet = TaskFile.Read(Fixture("arc-sample.parquet"));
        var jsonl = TaskFile.Read(Fixture("arc-sample.jsonl"));
        Assert.Equal(jsonl.Count, parquet.Count);
        var fromParquet = TaskLayouts.Build(TaskLayouts.Recognise(parquet[0], "p"), parquet, "p").Cast<ChoiceItem>().ToList();
        var fromJson = TaskLayouts.Build(TaskLayouts.Recognise(jsonl[0], "j"), jsonl, "j").Cast<ChoiceItem>().ToList();
        Assert.Equal("arc", TaskLayouts.Recognise(parquet[0], "p").Name);
        for (int i = 0; i < fromJson.Count; i++)
        {
            Assert.Equal(fromJson[i].Contexts, fromParquet[i].Contexts);
            Assert.Equal(fromJson[i].Continuations, fromParquet[i].Continuations);
            Assert.Equal(fromJson[i].Gold, fromParquet[i].Gold);
        }
    }

    [Fact]
    public void Compressed_json_lines_read_as_plain_ones_and_blank_lines_are_skipped()
    {
        using var dir = new TempDirectory();
        string text = "{\"prompt\": \"1+1=\", \"answer\": \"2\"}\n\n{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n";
        string plain = dir.File("t.jsonl", text);
        string gz = dir.Combine("t2.jsonl.gz");
        using (var f = File.Create(gz))
        using (var z = new GZipStream(f, CompressionLevel.Fastest))
            z.Write(System.Text.Encoding.UTF8.GetBytes(text));
        Assert.Equal(2, TaskFile.Read(plain).Count);
        Assert.Equal(TaskFile.Read(plain).Select(r => r.ToJsonString()), TaskFile.Read(gz).Select(r => r.ToJsonString()));
        Assert.Equal("t2", TaskFile.NameOf(gz));
    }

    [Fact]
    public void Malformed_and_empty_files_are_refused_with_the_line()
    {
        using var dir = new TempDirectory();
        var bad = Assert.Throws<UserErrorException>(() => TaskFile.Read(dir.File("bad.jsonl", "{\"prompt\": \"a\", \"answer\": \"b\"}\n{oops\n")));
        Assert.Contains("line 2", bad.Message);
        Assert.Contains("has no items", Assert.Throws<UserErrorException>(() => TaskFile.Read(dir.File("empty.jsonl", "\n\n"))).Message);
        Assert.Contains("unknown format", Assert.Throws<UserErrorException>(() => TaskFile.Read(dir.File("t.csv", "a,b"))).Message);
    }

    [Fact]
    public void A_task_file_is_read_as_a_corpus_is_with_the_same_refusals()
    {
        // One reader (Data/Prepare/TextFile) for both: a cut zstd stream and a malformed line give prepare's lines.
        using var dir = new TempDirectory();
        byte[] text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"prompt\": \"q{i}\", \"answer\": \"a\"}}\n")));
        string zst = dir.Combine("cut.jsonl.zst");
        ParquetFixture.WriteZstd(zst, text, frames: 2);
        Assert.Equal(2000, TaskFile.Read(zst).Count);
        File.WriteAllBytes(zst, File.ReadAllBytes(zst)[..^40]);
        Assert.StartsWith($"{zst}: truncated or corrupt zstd data", Assert.Throws<UserErrorException>(() => TaskFile.Read(zst)).Message);
        string bad = dir.File("bad.jsonl", "{\"prompt\": \"a\"}\n\n{oops\n");
        Assert.StartsWith($"{bad}:3: malformed JSON on line 3", Assert.Throws<UserErrorException>(() => TaskFile.Read(bad)).Message);
        string notObject = dir.File("array.jsonl", "[1, 2]\n");
        Assert.Equal($"{notObject}:1: not a JSON object; a task file holds one object per line",
            Assert.Throws<UserErrorException>(() => TaskFile.Read(notObject)).Message);
    }
}
