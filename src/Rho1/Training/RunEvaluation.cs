// The evaluations of a training run: held-out loss and downstream tasks every train.eval_every steps and after the
// last, on every rank (each its share of the batches, combined exactly: one process's figures), recorded by rank 0
// in metrics.jsonl and the log. Training/Trainer calls it after each step.
using System.Text.Json.Nodes;
using Rho1.Evaluation;
using Rho1.Evaluation.Tasks;

namespace Rho1.Training;

public static class RunEvaluation
{
    /// <summary>
    /// Held-out loss and downstream tasks every train.eval_every steps and after the last: every rank evaluates its share of the
    /// batches (one process's figures, bit for bit), so no rank waits in a collective while another evaluates; rank 0 records them.
    /// </summary>
    public static void MaybeEvaluate(TrainingRun run)
    {
        var t = run.Config.Train;
        if ((run.ValSplit is null && run.Tasks.Count == 0) || !(run.Progress.Step == t.Steps || (t.EvalEvery > 0 && run.Progress.Step % t.EvalEvery == 0)))
            return;
        var shares = new EvalShares(run.World);
        var record = new JsonObject { ["step"] = run.Progress.Step, ["tokens"] = run.Progress.Tokens };
        if (run.ValSplit != null)
        {
            var eval = Evaluator.Evaluate(run.Model, run.ValSplit, run.BytesPerToken, t.BatchSize, t.SeqLen, t.EvalBatches, run.Device, shares: shares);
            (record["val_loss"], record["val_bpb"], record["val_tokens"]) = (eval.Loss, eval.BitsPerByte, eval.Tokens);
            if (run.IsMain)
                run.Log.Information("step {Step}: val loss {Loss:F4}, {Bpb:F4} bits/byte ({Tokens:N0} tokens)", run.Progress.Step, eval.Loss, eval.BitsPerByte, eval.Tokens);
        }
        foreach (var task in run.Tasks)
        {
            var result = TaskEvaluator.Evaluate(run.Model, run.TaskTokenizer!, task, run.Options.EvalTaskSettings, run.Device, shares: shares);
            foreach (var (name, value) in result.Metrics)
                record[Trainer.TaskMetricKey(task.Name, name)] = value;
            if (run.IsMain)
                run.Log.Information("step {Step}: {Task} {Result}", run.Progress.Step, task.Name, result.Describe());
        }
        if (run.IsMain) run.Metrics.Write(record);
    }

}
