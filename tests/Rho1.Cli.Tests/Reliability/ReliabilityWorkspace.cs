// The shared ground of the reliability tests, built once through the library: prepared datasets (bytes
// tokenizer on clean and noisy synthetic text, gpt2 on held-out text for mismatches), a tiny reference run,
// offline scores, and broken input files. Fixed/ is what the bad-input matrix snapshots; Runs/ is scratch.
using Rho1.Data.Prepare;
using Rho1.Data.Synthetic;
using Rho1.Model;
using Rho1.Model.Storage;
using Rho1.Reference;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;

namespace Rho1.Cli.Tests.Reliability;

public sealed class ReliabilityWorkspace : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"rho1-rel-{Guid.NewGuid():N}");
    public string Fixed => Path.Combine(Root, "fixed");
    public string Runs => Path.Combine(Root, "runs");
    public string Corpus => Path.Combine(Fixed, "corpus");
    public string Clean => Path.Combine(Fixed, "data", "clean");
    public string Noisy => Path.Combine(Fixed, "data", "noisy");
    public string Gpt2 => Path.Combine(Fixed, "data", "heldout-gpt2");
    /// <summary>Run directory of a tiny reference trained on Clean (final/ only).</summary>
    public string Reference => Path.Combine(Fixed, "ref");
    /// <summary>Reference losses on Noisy, and on Clean (scores "for another dataset" when training on Noisy).</summary>
    public string Scores => Path.Combine(Fixed, "scores-noisy");
    public string ScoresClean => Path.Combine(Fixed, "scores-clean");
    public string Inputs => Path.Combine(Fixed, "inputs");
    /// <summary>A user's own folder (thesis.tex, sub/data.csv) that no --force may delete.</summary>
    public string Sandbox => Path.Combine(Fixed, "sandbox");

    /// <summary>Hugging Face models of the bytes vocabulary for continual pretraining (--init): Mistral-shaped (GQA, sliding window) and Qwen3-shaped (q/k norms, head_dim).</summary>
    public string HfMistral => Path.Combine(Fixed, "hf-mistral");
    public string HfQwen3 => Path.Combine(Fixed, "hf-qwen3");

    /// <summary>Overrides every run here uses: no throughput measurement at start-up, short evaluations.</summary>
    public static readonly string[] Quick = { "train.peak_gflops=100", "train.eval_batches=2" };

    readonly int _threads = TorchSharp.torch.get_num_threads();

    public ReliabilityWorkspace()
    {
        // This collection runs alone, after the parallel ones: one torch thread keeps set-up fast on a busy
        // machine, where OpenMP threads spinning for a core make it several times slower.
        TorchSharp.torch.set_num_threads(1);
        // The same for the CLI run in-process (which applies RHO1_THREADS); an explicit choice also keeps the busy-machine
        // warning, which depends on whatever else the machine runs, out of the stderr these tests read line by line.
        Environment.SetEnvironmentVariable("RHO1_THREADS", "1");
        SyntheticCorpus.Write(Corpus, seed: 7, cleanDocs: 200, noisyDocs: 120, heldoutDocs: 20);
        DatasetPreparer.Run(new PrepareOptions(new[] { Path.Combine(Corpus, "clean.jsonl") }, Clean, "bytes") { ValFraction = 0.1, Seed = 1 });
        DatasetPreparer.Run(new PrepareOptions(new[] { Path.Combine(Corpus, "noisy.jsonl") }, Noisy, "bytes") { ValFraction = 0.1, Seed = 1 });
        DatasetPreparer.Run(new PrepareOptions(new[] { Path.Combine(Corpus, "heldout.jsonl") }, Gpt2, "gpt2") { ValFraction = 0.1, Seed = 1 });
        var config = ConfigLoader.Load(Preset("tiny"), Quick.Concat(new[] { "train.steps=20", "train.eval_every=0", "train.checkpoint_every=0" }));
        new Trainer(new TrainOptions(config, Clean, Reference, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        ReferenceScorer.Run(new ScoreOptions(Reference, Noisy, Scores, Device: "cpu"));
        ReferenceScorer.Run(new ScoreOptions(Reference, Clean, ScoresClean, Device: "cpu"));
        var shape = new ModelConfig { VocabSize = 257, ContextLength = 128, Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FfnDim = 64, TiedEmbeddings = false };
        WriteHuggingFaceModel(HfMistral, shape with { Family = "mistral", SlidingWindow = 64 }, seed: 11);
        WriteHuggingFaceModel(HfQwen3, shape with { Family = "qwen3", QkNorm = true, ExplicitHeadDim = 16, RopeTheta = 1e6, NormEps = 1e-6 }, seed: 12);

        Directory.CreateDirectory(Inputs);
        File.WriteAllText(Path.Combine(Inputs, "empty.txt"), "");
        File.WriteAllText(Path.Combine(Inputs, "malformed.jsonl"), "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\": nope\n");
        File.WriteAllText(Path.Combine(Inputs, "notes.bin"), "not a corpus");
        File.WriteAllText(Path.Combine(Inputs, "malformed.json"), "{\n  \"train\": {\n    \"steps\": 10,,\n  }\n}\n");
        File.WriteAllText(Path.Combine(Inputs, "typo.json"), "{\n  \"train\": {\n    \"stpes\": 10\n  }\n}\n");
        File.WriteAllText(Path.Combine(Inputs, "wrong-section.json"), "{\n  \"optimizer\": { \"lr\": 0.1 }\n}\n");
        File.WriteAllText(Path.Combine(Inputs, "tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        File.WriteAllBytes(Path.Combine(Inputs, "program.txt"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256))]); // a binary as "text"
        // Hugging Face models for --init: a GPT-NeoX config, a missing shard, and an intact Llama whose vocabulary (48) is smaller than the data's.
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama");
        foreach (string name in new[] { "hf-neox", "hf-missing-shard", "hf-llama" })
        {
            Directory.CreateDirectory(Path.Combine(Inputs, name));
            foreach (string f in Directory.GetFiles(fixture)) File.Copy(f, Path.Combine(Inputs, name, Path.GetFileName(f)));
        }
        string neox = Path.Combine(Inputs, "hf-neox", "config.json");
        File.WriteAllText(neox, File.ReadAllText(neox).Replace("LlamaForCausalLM", "GPTNeoXForCausalLM"));
        File.Delete(Path.Combine(Inputs, "hf-missing-shard", "model-00002-of-00002.safetensors"));
        // Corpora of the paper's formats, broken in the ways the matrix checks, and parts of two tokenizers.
        WriteParquet(Path.Combine(Inputs, "docs.parquet"), 100);
        File.WriteAllBytes(Path.Combine(Inputs, "half.parquet"), File.ReadAllBytes(Path.Combine(Inputs, "docs.parquet"))[..300]);
        byte[] jsonl = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"text\": \"document {i}\"}}\n")));
        using (var compressor = new ZstdSharp.Compressor(3))
            File.WriteAllBytes(Path.Combine(Inputs, "cut.jsonl.zst"), compressor.Wrap(jsonl).ToArray()[..^30]);
        Directory.CreateDirectory(Path.Combine(Inputs, "mixed"));
        File.WriteAllText(Path.Combine(Inputs, "mixed", "a.jsonl"), "{\"text\": \"one\"}\n");
        File.WriteAllText(Path.Combine(Inputs, "mixed", "b.csv"), "x,y\n");
        Directory.CreateDirectory(Path.Combine(Inputs, "two"));
        File.WriteAllText(Path.Combine(Inputs, "two", "a.jsonl"), "{\"text\": \"first file\"}\n");
        File.WriteAllText(Path.Combine(Inputs, "two", "b.jsonl"), "{\"text\": \"second file\"}\n");
        DatasetPreparer.Run(new PrepareOptions([Path.Combine(Inputs, "two")], PartBytes, "bytes") { ValFraction = 0, Part = new InputPart(1, 2) });
        DatasetPreparer.Run(new PrepareOptions([Path.Combine(Inputs, "two")], PartGpt2, "gpt2") { ValFraction = 0, Part = new InputPart(2, 2) });
        File.WriteAllText(Path.Combine(Inputs, "task-unknown.jsonl"), "{\"text\": \"a\", \"label\": 1}\n");
        File.WriteAllText(Path.Combine(Inputs, "task-gold.jsonl"), "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"gold\": 0}\n{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"gold\": 2}\n");
        File.WriteAllText(Path.Combine(Inputs, "task-empty.jsonl"), "\n");
        File.WriteAllText(Path.Combine(Inputs, "task-two.jsonl"), "{\"context\": \"a\", \"choices\": [\" b\", \" c\"], \"gold\": 0}\n{\"context\": \"d\", \"choices\": [\" e\", \" f\"], \"gold\": 1}\n");
        Directory.CreateDirectory(Path.Combine(Sandbox, "sub"));
        File.WriteAllText(Path.Combine(Sandbox, "thesis.tex"), "\\documentclass{article}\n");
        File.WriteAllText(Path.Combine(Sandbox, "sub", "data.csv"), "a,b\n1,2\n");
    }

    /// <summary>A randomly initialised model of <paramref name="shape"/> written as a Hugging Face directory of the bytes vocabulary.</summary>
    static void WriteHuggingFaceModel(string dir, ModelConfig shape, long seed)
    {
        using var model = new Transformer(shape, seed);
        var info = new CheckpointInfo { Tokenizer = "bytes", VocabSize = 257, EosId = 256, Config = new() { Model = shape, Train = new() { SeqLen = 64 } } };
        HuggingFaceExport.Write(model, info, dir);
    }

    /// <summary>Part 1/2 of inputs/two with the bytes tokenizer, and part 2/2 with gpt2's: parts that must not be merged.</summary>
    public string PartBytes => Path.Combine(Fixed, "parts", "bytes-1");
    public string PartGpt2 => Path.Combine(Fixed, "parts", "gpt2-2");

    /// <summary>A Parquet file with an "id" and a "text" column of <paramref name="rows"/> rows.</summary>
    static void WriteParquet(string path, int rows)
    {
        var id = new Parquet.Schema.DataField<int>("id");
        var text = new Parquet.Schema.DataField<string>("text");
        using var stream = File.Create(path);
        var writer = Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(id, text), stream).GetAwaiter().GetResult();
        using (var group = writer.CreateRowGroup())
        {
            group.WriteAsync(id, (ReadOnlyMemory<int>)Enumerable.Range(0, rows).ToArray()).GetAwaiter().GetResult();
            group.WriteAsync(text, (IReadOnlyCollection<string?>)Enumerable.Range(0, rows).Select(i => (string?)$"row {i} of the table").ToList()).GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Path of a preset shipped beside the test binary.</summary>
    public static string Preset(string name) => Path.Combine(AppContext.BaseDirectory, "configs", name + ".json");

    /// <summary>A fresh, not yet existing directory under Runs/.</summary>
    public string NewRun(string name) => Path.Combine(Runs, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);

    public void Dispose()
    {
        TorchSharp.torch.set_num_threads(_threads);
        Directory.Delete(Root, recursive: true);
    }
}

[CollectionDefinition("reliability", DisableParallelization = true)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityWorkspace> { }
