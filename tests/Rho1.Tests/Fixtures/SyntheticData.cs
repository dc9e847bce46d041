// Prepared datasets for training tests, built once per test run from the synthetic corpus with the bytes
// tokenizer: clean (reference data), noisy (training data), heldout (clean evaluation data).
using Rho1.Data.Prepare;
using Rho1.Data.Synthetic;

namespace Rho1.Tests.Fixtures;

public sealed class SyntheticData : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"rho1-synth-{Guid.NewGuid():N}");
    public string Clean => Path.Combine(Root, "clean");
    public string Noisy => Path.Combine(Root, "noisy");
    public string Heldout => Path.Combine(Root, "heldout");

    public SyntheticData()
    {
        string raw = Path.Combine(Root, "raw");
        SyntheticCorpus.Write(raw, seed: 42, cleanDocs: 600, noisyDocs: 600, heldoutDocs: 60, noiseShare: 0.35);
        foreach (var (name, dir) in new[] { ("clean", Clean), ("noisy", Noisy), ("heldout", Heldout) })
            DatasetPreparer.Run(new PrepareOptions(new[] { Path.Combine(raw, name + ".jsonl") }, dir, "bytes") { ValFraction = 0.1, Seed = 1 });
    }

    public string NewRunDir() => Path.Combine(Root, "runs", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition("synthetic")]
public sealed class SyntheticCollection : ICollectionFixture<SyntheticData> { }
