// The bad-input matrix of issue 8: every case must exit 2 with one line on stderr naming what is wrong, and
// leave the workspace exactly as it was. Grouped by command; the doc table (docs/reliability.md) follows it.
using TorchSharp;

namespace Rho1.Cli.Tests.Reliability;

public static class BadInputCases
{
    static string[] TrainRef(ReliabilityWorkspace w, params string[] extra) => TrainRefWith(w, extra: extra);

    static string[] TrainRefWith(ReliabilityWorkspace w, string config = "tiny", string? data = null, string? output = null, string device = "cpu", string[]? extra = null) =>
        ["train-ref", "--config", config, "--data", data ?? w.Clean, "--out", output ?? BadInputCase.Out(w), "--device", device, "--set", "train.peak_gflops=100", .. extra ?? []];

    static string[] Train(ReliabilityWorkspace w, string data, params string[] extra) =>
        ["train", "--config", "tiny", "--data", data, "--out", BadInputCase.Out(w), "--device", "cpu", "--set", "train.peak_gflops=100", .. extra];

    static string[] Score(ReliabilityWorkspace w, params string[] extra) => ScoreWith(w, extra: extra);

    static string[] ScoreWith(ReliabilityWorkspace w, string? reference = null, string? data = null, string? output = null, string[]? extra = null) =>
        ["score", "--ref", reference ?? w.Reference, "--data", data ?? w.Noisy, "--out", output ?? BadInputCase.Out(w), "--device", "cpu", .. extra ?? []];

    static string[] Prepare(ReliabilityWorkspace w, string input, params string[] extra) => PrepareWith(w, input, extra: extra);

    static string[] PrepareWith(ReliabilityWorkspace w, string input, string tokenizer = "bytes", string[]? extra = null) =>
        ["prepare", "--input", Path.Combine(w.Inputs, input), "--output", BadInputCase.Out(w), "--tokenizer", tokenizer, .. extra ?? []];

    static string[] EvalTask(ReliabilityWorkspace w, string task, params string[] extra) =>
        ["eval", "--model", w.Reference, "--task", Path.Combine(w.Inputs, task), "--task-output", BadInputCase.Out(w), "--device", "cpu", .. extra];

    static string Missing(ReliabilityWorkspace w) => Path.Combine(w.Fixed, "no-such-path");

    // A CUDA machine has no device 99, a CPU machine no CUDA at all: either way the device is refused by name.
    static string AbsentCuda => torch.cuda.is_available() ? "cuda:99" : "cuda";

    public static readonly IReadOnlyList<BadInputCase> All =
    [
        // prepare
        new("prepare-missing-input", "input path does not exist", w => Prepare(w, "nope.jsonl"), ["nope.jsonl", "does not exist"]),
        new("prepare-unreadable-input", "input is not a readable corpus format", w => Prepare(w, "notes.bin"), ["notes.bin", "unknown extension"]),
        new("prepare-empty-corpus", "corpus holds no documents", w => Prepare(w, "empty.txt"), ["empty", "no non-empty documents"]),
        new("prepare-malformed-jsonl", "JSONL line 3 is not JSON", w => Prepare(w, "malformed.jsonl"), ["malformed.jsonl:3:", "malformed JSON"]),
        new("prepare-val-fraction-out-of-range", "--val-fraction 1.5", w => Prepare(w, "malformed.jsonl", "--val-fraction", "1.5"), ["--val-fraction 1.5"]),
        new("prepare-unknown-tokenizer", "tokenizer name gpt5", w => PrepareWith(w, "malformed.jsonl", tokenizer: "gpt5"), ["gpt5"]),
        new("prepare-binary-as-text", "a binary file named .txt", w => Prepare(w, "program.txt"), ["program.txt", "looks binary", "--allow-binary"]),
        new("prepare-output-exists", "output is an existing dataset", w => ["prepare", "-i", Path.Combine(w.Corpus, "clean.jsonl"), "-o", w.Clean, "-t", "bytes"], ["data/clean", "--force"]),

        // configuration (train-ref shown; train, sweep and quickstart load configs the same way)
        new("config-missing", "--config names no file or preset", w => TrainRefWith(w, config: Path.Combine(w.Inputs, "nope.json")), ["nope.json", "no such file or preset"]),
        new("config-malformed-json", "config file is not JSON (line 3)", w => TrainRefWith(w, config: Path.Combine(w.Inputs, "malformed.json")), ["malformed.json:3", "malformed JSON"]),
        new("config-unknown-key", "config key misspelt (train.stpes)", w => TrainRefWith(w, config: Path.Combine(w.Inputs, "typo.json")), ["typo.json:3", "train.stpes"]),
        new("config-unknown-section", "config section that does not exist", w => TrainRefWith(w, config: Path.Combine(w.Inputs, "wrong-section.json")), ["wrong-section.json:2", "'optimizer'"]),
        new("set-unknown-key", "--set train.stpes=10", w => TrainRef(w, "--set", "train.stpes=10"), ["train.stpes"]),
        new("set-wrong-type", "--set train.steps=ten", w => TrainRef(w, "--set", "train.steps=ten"), ["train.steps", "ten"]),
        new("set-integer-as-exponent", "--set train.steps=1e3 (a number, not an integer)", w => TrainRef(w, "--set", "train.steps=1e3"), ["train.steps=1e3", "expected an integer"]),
        new("prepare-hf-tokenizer-json", "--tokenizer a WordPiece tokenizer.json", w => PrepareWith(w, "malformed.jsonl", tokenizer: Path.Combine(w.Inputs, "tokenizer.json")), ["tokenizer.json", "a WordPiece model", "byte-level BPE"]),
        new("negative-steps", "--set train.steps=-5", w => TrainRef(w, "--set", "train.steps=-5"), ["train.steps=-5", "must be positive"]),
        new("seq-len-beyond-context", "train.seq_len above model.context_length", w => TrainRef(w, "--set", "train.seq_len=4096"), ["train.seq_len=4096", "context_length=128"]),
        new("unknown-option", "misspelt option --stpes", w => TrainRef(w, "--stpes", "5"), ["--stpes"]),

        // data, output and device (train-ref)
        new("data-missing", "--data does not exist", w => TrainRefWith(w, data: Missing(w)), ["no-such-path", "does not exist"]),
        new("data-not-prepared", "--data is a folder of raw text", w => TrainRefWith(w, data: w.Corpus), ["meta.json", "not a prepared dataset"]),
        new("out-holds-another-run", "--out is an existing run, no --resume/--force", w => TrainRefWith(w, output: w.Reference), ["already holds a run", "--resume auto"]),
        new("out-is-a-file", "--out is a file", w => TrainRefWith(w, output: Path.Combine(w.Inputs, "notes.bin")), ["notes.bin", "is a file"]),
        new("device-without-cuda", "--device cuda on a machine without it", w => TrainRefWith(w, device: AbsentCuda), ["--device 'cuda"]),
        new("resume-missing-checkpoint", "--resume names no checkpoint", w => TrainRef(w, "--resume", Missing(w)), ["no-such-path", "does not exist"]),
        new("resume-other-model-shape", "checkpoint from another model shape", w => TrainRef(w, "--resume", Path.Combine(w.Reference, "final"), "--set", "model.dim=96"), ["model shape"]),
        new("eval-data-other-tokenizer", "--eval-data tokenized with gpt2, data with bytes", w => TrainRef(w, "--eval-data", w.Gpt2), ["--eval-data", "tokenizer gpt2"]),

        // selective training (train)
        new("select-not-a-mode", "--select batches (the parser's message spans lines)", w => Train(w, w.Noisy, "--ratio", "0.6", "--select", "batches"), ["batches", "batch", "sequence", "global"]),
        new("ratio-zero", "--ratio 0", w => Train(w, w.Noisy, "--ref-scores", w.Scores, "--ratio", "0"), ["--ratio 0", "(0, 1]"]),
        new("ratio-above-one", "--ratio 1.5", w => Train(w, w.Noisy, "--ref-scores", w.Scores, "--ratio", "1.5"), ["--ratio 1.5", "(0, 1]"]),
        new("ratio-not-a-number", "--ratio abc", w => Train(w, w.Noisy, "--ratio", "abc"), ["Cannot parse argument 'abc' for option '--ratio' as a number"]),
        new("excess-without-reference", "--ratio 0.6 with neither --ref nor --ref-scores", w => Train(w, w.Noisy, "--ratio", "0.6"), ["needs a reference"]),
        new("ref-and-ref-scores", "both --ref and --ref-scores", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Reference, "--ref-scores", w.Scores), ["alternatives"]),
        new("ref-scores-missing", "--ref-scores does not exist", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref-scores", Missing(w)), ["no-such-path", "no such directory"]),
        new("ref-scores-other-dataset", "scores computed for another dataset", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref-scores", w.ScoresClean), ["scores-clean", "another dataset"]),
        new("ref-scores-other-tokenizer", "scores (bytes) for data tokenized with gpt2", w => Train(w, w.Gpt2, "--ratio", "0.6", "--ref-scores", w.Scores), ["scores-noisy", "tokenizer bytes"]),
        new("ref-scores-other-seq-len", "scores made with seq_len 64, training at 32", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref-scores", w.Scores, "--set", "train.seq_len=32"), ["seq_len 64", "train.seq_len=32"]),
        new("ref-other-tokenizer", "reference (bytes) for data tokenized with gpt2", w => Train(w, w.Gpt2, "--ratio", "0.6", "--ref", w.Reference), ["--ref", "tokenizer bytes"]),
        new("ref-context-below-seq-len", "train.seq_len beyond the reference's context", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Reference, "--set", "model.context_length=256", "--set", "train.seq_len=256"), ["context_length 128", "train.seq_len=256"]),
        new("ref-refresh-with-scores", "a refreshing reference from offline scores", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref-scores", w.Scores, "--ref-data", w.Clean, "--set", "selection.ref_refresh_every=5"), ["selection.ref_refresh_every=5", "needs --ref CKPT"]),
        new("ref-data-without-refresh", "--ref-data without selection.ref_refresh_every", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Reference, "--ref-data", w.Clean), ["--ref-data", "ref_refresh_every"]),
        new("ref-data-other-tokenizer", "--ref-data tokenized with gpt2, data with bytes", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Reference, "--ref-data", w.Gpt2, "--set", "selection.ref_refresh_every=5"), ["--ref-data", "gpt2"]),
        new("ref-refresh-on-eval-data", "a refreshing reference trained on the evaluation data", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Reference, "--ref-data", w.Clean, "--eval-data", w.Clean, "--set", "selection.ref_refresh_every=5"), ["the dataset the refreshing reference trains on", "--allow-eval-overlap"]),
        new("data-is-score-directory", "--data given a score directory", w => TrainRefWith(w, data: w.Scores), ["scores-noisy", "is a score directory", "--ref-scores"]),
        new("prepare-parquet-no-such-column", "Parquet without the --text-field column", w => Prepare(w, "docs.parquet", "--text-field", "content"), ["docs.parquet", "no column \"content\"", "id (Int32), text (String)"]),
        new("prepare-parquet-not-text", "--text-field names a Parquet integer column", w => Prepare(w, "docs.parquet", "--text-field", "id"), ["docs.parquet", "holds Int32, not strings"]),
        new("prepare-parquet-truncated", "a truncated Parquet file", w => Prepare(w, "half.parquet"), ["half.parquet", "not a readable Parquet file"]),
        new("prepare-zstd-truncated", "a truncated .jsonl.zst", w => Prepare(w, "cut.jsonl.zst"), ["cut.jsonl.zst", "truncated or corrupt zstd data"]),
        new("prepare-part-out-of-range", "--part 3/2", w => Prepare(w, "two", "--part", "3/2"), ["--part 3/2", "1 <= I <= N"]),
        new("prepare-directory-with-unknown-files", "a directory holding a .csv beside the .jsonl", w => Prepare(w, "mixed"), ["b.csv", "--skip-unknown"]),
        new("prepare-bos-not-a-token", "--bos names a token the tokenizer lacks", w => Prepare(w, "two", "--bos", "<s>"), ["--bos <s>", "not a token of tokenizer bytes"]),
        new("merge-two-tokenizers", "merge-datasets given parts of two tokenizers", w => ["merge-datasets", w.PartBytes, w.PartGpt2, "--output", BadInputCase.Out(w)], ["cannot be merged", "tokenizer bytes"]),

        // eval --task
        new("task-layout-unknown", "a task file whose fields match no layout", w => EvalTask(w, "task-unknown.jsonl"), ["task-unknown.jsonl", "layout not recognised (fields: text, label)", "generic-choice (context, choices, gold)"]),
        new("task-gold-out-of-range", "gold 2 for two choices", w => EvalTask(w, "task-gold.jsonl"), ["task-gold.jsonl item 2", "gold 2 is out of range for 2 choices"]),
        new("task-empty", "a task file with no items", w => EvalTask(w, "task-empty.jsonl"), ["task-empty.jsonl has no items"]),
        new("task-few-shot-too-large", "--few-shot 2 with two items", w => EvalTask(w, "task-two.jsonl", "--few-shot", "2"), ["--few-shot 2 is larger than the pool of task task-two", "1 items other than the one asked"]),

        // score
        new("score-ref-missing", "--ref does not exist", w => ScoreWith(w, reference: Missing(w)), ["no-such-path"]),
        new("score-other-tokenizer", "reference (bytes) for data tokenized with gpt2", w => ScoreWith(w, data: w.Gpt2), ["tokenizer bytes", "gpt2"]),
        new("score-seq-len-beyond-context", "--seq-len 4096", w => Score(w, "--seq-len", "4096"), ["--seq-len 4096", "context_length=128"]),
        new("score-out-exists", "--out is an existing score directory", w => ScoreWith(w, output: w.Scores), ["scores-noisy", "already holds a score directory", "--force"]),
        new("score-batch-size-zero", "--batch-size 0", w => Score(w, "--batch-size", "0"), ["--batch-size 0"]),
        new("score-unknown-split", "--split test", w => Score(w, "--split", "test"), ["no split 'test'"]),

        // eval, sample, export, inspect
        new("eval-other-tokenizer", "model (bytes) on data tokenized with gpt2", w => ["eval", "--model", w.Reference, "--data", w.Gpt2, "--device", "cpu"], ["tokenizer bytes", "gpt2"]),
        new("eval-not-a-checkpoint", "--model is a dataset", w => ["eval", "--model", w.Clean, "--data", w.Clean, "--device", "cpu"], ["data/clean", "is a prepared dataset, not a checkpoint"]),
        new("sample-negative-max-tokens", "--max-tokens -1", w => ["sample", "--model", w.Reference, "--max-tokens", "-1", "--device", "cpu"], ["--max-tokens -1"]),
        new("export-out-exists", "--out is a dataset, even with --force", w => ["export", "--model", w.Reference, "--out", w.Clean, "--force"], ["holds a prepared dataset", "not a Hugging Face export"]),
        new("inspect-missing", "dataset directory does not exist", w => ["inspect", Missing(w)], ["no-such-path", "does not exist"]),

        // a Rho1 directory of one kind given where another is expected, or raw text where a dataset is
        new("ref-is-score-directory", "--ref given a score directory", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref", w.Scores), ["scores-noisy", "is a score directory", "--ref-scores"]),
        new("ref-scores-is-run", "--ref-scores given a run directory", w => Train(w, w.Noisy, "--ratio", "0.6", "--ref-scores", w.Reference), ["is a Rho1 run directory", "--ref", "rho1 score"]),
        new("data-is-text-file", "--data given a JSONL file", w => TrainRefWith(w, data: Path.Combine(w.Corpus, "clean.jsonl")), ["clean.jsonl", "is a text file", "rho1 prepare --input"]),

        // --init from a Hugging Face directory
        new("init-not-llama", "--init a GPT-NeoX model", w => TrainRef(w, "--init", Path.Combine(w.Inputs, "hf-neox")), ["GPTNeoXForCausalLM", "is not one Rho1 reads"]),
        new("init-missing-shard", "--init a model whose second shard is missing", w => TrainRef(w, "--init", Path.Combine(w.Inputs, "hf-missing-shard")), ["model-00002-of-00002.safetensors: missing"]),
        new("init-vocabulary-too-small", "--init a model whose vocabulary (48) is smaller than the data's (257)", w => TrainRef(w, "--init", Path.Combine(w.Inputs, "hf-llama")), ["model.vocab_size=48", "257"]),
        new("init-conflicting-set", "--init with a --set model.dim that disagrees", w => TrainRef(w, "--init", Path.Combine(w.Inputs, "hf-llama"), "--set", "model.dim=64"), ["--set model.dim=64 conflicts with --init", "model.dim=16"]),

        // --force and --resume never touch what Rho1 did not make; resuming never changes settings silently
        new("force-user-folder-train-ref", "train-ref --force on a folder of the user's files", w => TrainRefWith(w, output: w.Sandbox, extra: ["--force"]), ["sandbox", "holds sub and 1 other entry", "did not make"]),
        new("force-user-folder-prepare", "prepare --force on a folder of the user's files", w => ["prepare", "-i", Path.Combine(w.Corpus, "clean.jsonl"), "-o", w.Sandbox, "-t", "bytes", "--force"], ["sandbox", "did not make"]),
        new("force-user-folder-score", "score --force on a folder of the user's files", w => ScoreWith(w, output: w.Sandbox, extra: ["--force"]), ["sandbox", "did not make"]),
        new("force-user-folder-export", "export --force on a folder of the user's files", w => ["export", "--model", w.Reference, "--out", w.Sandbox, "--force"], ["sandbox", "did not make"]),
        new("resume-user-folder", "--resume auto into a folder of the user's files", w => TrainRefWith(w, output: w.Sandbox, extra: ["--resume", "auto"]), ["sandbox", "did not make"]),
        new("resume-changed-setting", "--resume auto with another train.lr", w => TrainRefWith(w, output: w.Reference, extra: ["--resume", "auto", "--set", "train.lr=0.01"]), ["train.lr 0.003 → 0.01", "--allow-change train.lr"]),
        new("train-ref-selection-setting", "train-ref --set selection.ratio=0.5", w => TrainRef(w, "--set", "selection.ratio=0.5"), ["selection.ratio=0.5", "does not select"]),

        // bench-step
        new("bench-step-no-reference", "neither --ref-scores nor --ref", w => ["bench-step", "--config", "tiny", "--data", w.Noisy, "--out", w.NewRun("bench-step"), "--device", "cpu"], ["--ref-scores", "--ref"]),
        new("bench-step-ratio-one", "--ratio 1", w => ["bench-step", "--config", "tiny", "--data", w.Noisy, "--out", w.NewRun("bench-step"), "--ref-scores", w.Scores, "--ratio", "1"], ["--ratio 1", "(0, 1)"]),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in All) data.Add(c.Name);
            return data;
        }
    }
}
