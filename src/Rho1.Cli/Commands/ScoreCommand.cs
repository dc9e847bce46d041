// `rho1 score`: offline reference losses for every token of a prepared split.
using System.CommandLine;
using Rho1.Reference;

namespace Rho1.Cli.Commands;

public static class ScoreCommand
{
    public static Command Create()
    {
        var reference = new Option<string>("--ref") { Description = "Reference checkpoint or run directory.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Prepared dataset to score.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Score directory to create.", Required = true };
        var split = new Option<string>("--split") { Description = "Split to score.", DefaultValueFactory = _ => "train" };
        var batch = new Option<int>("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 16 };
        var seqLen = new Option<int>("--seq-len") { Description = "Window length T; must equal the training run's train.seq_len. 0 = the reference's.", DefaultValueFactory = _ => 0 };
        var precision = new Option<string>("--precision") { Description = "fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        var saveEvery = new Option<double>("--save-every") { Description = "Seconds between progress saves; a killed run resumes from the last one. 0 = after every batch.", DefaultValueFactory = _ => 10 };
        var force = new Option<bool>("--force") { Description = "Replace an existing score directory." };
        var device = GlobalOptions.Device();
        var command = new Command("score",
            "Compute the reference model's loss on every token of a dataset once, for offline selection. Resumable: after a kill, " +
            "rerun the same command and it continues from OUT.partial/.\n\n" +
            "Examples:\n  rho1 score --ref runs/ref --data data/noisy --out runs/scores\n" +
            "  rho1 score --ref runs/ref/final --data data/noisy --out runs/scores --batch-size 64 --precision bf16")
        {
            reference, data, output, split, batch, seqLen, precision, saveEvery, force, device,
        };
        command.SetAction((parse, cancel) =>
        {
            var bar = new ProgressBar();
            var meta = ReferenceScorer.Run(new ScoreOptions(parse.GetValue(reference)!, parse.GetValue(data)!, parse.GetValue(output)!,
                parse.GetValue(split)!, parse.GetValue(batch), parse.GetValue(seqLen), parse.GetValue(device)!, parse.GetValue(precision)!, parse.GetValue(force))
            {
                SaveEverySeconds = parse.GetValue(saveEvery),
                OnProgress = (done, total) => bar.Draw((double)done / total, $"{done:N0}/{total:N0} windows", force: done == total),
            }, cancel);
            parse.InvocationConfiguration.Output.WriteLine($"scored {meta.Windows * meta.SeqLen:N0} tokens, mean reference loss {meta.MeanLoss:F4}: {parse.GetValue(output)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
