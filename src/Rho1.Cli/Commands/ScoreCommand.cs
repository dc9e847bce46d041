// `rho1 score`: offline reference losses for every token of a prepared split.
using System.CommandLine;
using Rho1.Reference;

namespace Rho1.Cli.Commands;

public sealed class ScoreCommand
{
    readonly Option<string> _reference = new("--ref") { Description = "Reference checkpoint or run directory.", Required = true };
    readonly Option<string> _data = new("--data", "-d") { Description = "Prepared dataset to score.", Required = true };
    readonly Option<string> _output = new("--out", "-o") { Description = "Score directory to create.", Required = true };
    readonly Option<string> _split = new("--split") { Description = "Split to score.", DefaultValueFactory = _ => "train" };
    readonly Option<int> _batch = new("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 16 };
    readonly Option<int> _seqLen = new("--seq-len") { Description = "Window length T; must equal the training run's train.seq_len. 0 = the reference's.", DefaultValueFactory = _ => 0 };
    readonly Option<string> _precision = new("--precision") { Description = "fp32, bf16, or auto: bf16 on CUDA and on CPUs with native bf16 (AVX512-BF16, AMX), else fp32.", DefaultValueFactory = _ => "auto" };
    readonly Option<double> _saveEvery = new("--save-every") { Description = "Seconds between progress saves; a killed run resumes from the last one. 0 = after every batch.", DefaultValueFactory = _ => 10 };
    readonly Option<bool> _force = new("--force") { Description = "Replace an existing score directory." };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("score",
            "Compute the reference model's loss on every token of a dataset once, for offline selection. Resumable: after a kill, " +
            "rerun the same command and it continues from OUT.partial/. Under mpirun, srun or torchrun each process scores a share, " +
            "into one directory equal to a single process's (the output on a file system every process sees).\n\n" +
            "Examples:\n  rho1 score --ref runs/ref --data data/noisy --out runs/scores\n" +
            "  rho1 score --ref runs/ref/final --data data/noisy --out runs/scores --batch-size 64 --precision bf16")
        {
            _reference, _data, _output, _split, _batch, _seqLen, _precision, _saveEvery, _force, _device, _threads,
        };
        command.SetAction((parse, cancel) =>
        {
            var progress = new PeriodicProgress("score", "windows");
            var options = Options(parse) with { OnProgress = progress.Report };
            var meta = ReferenceScorer.Run(options, cancel);
            parse.InvocationConfiguration.Output.WriteLine($"scored {meta.Windows * meta.SeqLen:N0} tokens, mean reference loss {meta.MeanLoss:F4}: {options.OutDir}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public ScoreOptions Options(ParseResult parse) =>
        new(parse.GetValue(_reference)!, parse.GetValue(_data)!, parse.GetValue(_output)!, parse.GetValue(_split)!, parse.GetValue(_batch),
            parse.GetValue(_seqLen), parse.GetValue(_device)!, parse.GetValue(_precision)!, parse.GetValue(_force))
        {
            SaveEverySeconds = parse.GetValue(_saveEvery),
            World = Job.Current.WorldFor(parse.GetValue(_device)!),
            LocalRank = Job.Current.Launch.LocalRank,
            LocalSize = Job.Current.Launch.LocalSize,
        };
}
