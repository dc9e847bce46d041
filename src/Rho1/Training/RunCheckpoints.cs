// The checkpoints of a training run: final/ after the last step, checkpoints/step-N every train.checkpoint_every steps
// (the newest train.keep_checkpoints kept), Hugging Face copies before them (train.hf_export), and the checkpoint of an
// interrupt, after which every rank stops. Rank 0 writes; with sharded optimizer state every rank writes its own part.
using Rho1.Model.Storage;
using Rho1.Training.Runs;

namespace Rho1.Training;

public static class RunCheckpoints
{
    /// <summary>final/ after the last step; checkpoints/step-N every train.checkpoint_every steps, keeping the newest few; Hugging Face copies first (train.hf_export).</summary>
    /// <remarks>
    /// Every rank leaves a step that saved through a barrier without a deadline: the others wait there while rank 0 writes,
    /// however long that takes, instead of in the next step's collective, whose watch (train.collective_timeout_s) a
    /// large model's checkpoint would outlast.
    /// </remarks>
    public static void MaybeSave(TrainingRun run)
    {
        var t = run.Config.Train;
        bool final = run.Progress.Step == t.Steps, periodic = t.CheckpointEvery > 0 && run.Progress.Step % t.CheckpointEvery == 0;
        bool hf = t.HfExportDue(run.Progress.Step, final, periodic);
        if (!final && !periodic && !hf) return;
        if (run.IsMain && hf)
            HuggingFaceSnapshots.Write(run, Path.GetFileName(final ? run.Directory.FinalDir : run.Directory.StepDir(run.Progress.Step)));
        // One copy of the weights (every rank holds the same), one writer of the run directory; sharded state: every rank its part.
        if (run.IsMain || run.Optimizer.Sharded)
        {
            if (final)
                Save(run, run.Directory.FinalDir);
            else if (periodic)
            {
                Save(run, run.Directory.StepDir(run.Progress.Step));
                if (run.IsMain) run.Directory.PruneCheckpoints(t.KeepCheckpoints);
            }
        }
        run.World.Barrier();
    }

    /// <summary>
    /// Writes a checkpoint. Unsharded: rank 0 alone. Sharded (a collective): rank 0 prepares the temporary directory, every
    /// rank writes its own part of the optimizer state into it, and rank 0 adds the rest and publishes it; no rank ever
    /// holds the whole optimizer state. Every rank returns once the checkpoint is complete.
    /// </summary>
    static void Save(TrainingRun run, string dir)
    {
        if (!run.Optimizer.Sharded)
        {
            if (run.IsMain) Publish(run, dir, run.Optimizer.State(), null, null);
            return;
        }
        string temp = CheckpointFiles.PartsTemp(dir);
        if (run.IsMain)
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); // a killed save's leftovers
            Directory.CreateDirectory(temp);
        }
        run.World.Barrier();
        using (var scope = TorchSharp.torch.NewDisposeScope()) // the part's small index tensors; the moments are the optimizer's own
            WritePart(run, dir, Path.Combine(temp, CheckpointFiles.PartFile(run.World.Rank, run.World.Size)));
        run.World.Barrier();
        if (run.IsMain)
            Publish(run, dir, [], [.. Enumerable.Range(0, run.World.Size).Select(r => CheckpointFiles.PartFile(r, run.World.Size))], temp);
        run.World.Barrier(); // every rank knows the checkpoint is complete before it goes on (or stops after an interrupt)
        (run.Progress.LastCheckpoint, run.Progress.CheckpointedStep) = (dir, run.Progress.Step);
    }

    static void WritePart(TrainingRun run, string dir, string path)
    {
        try
        {
            IO.TensorFile.Save(path, run.Optimizer.PartState());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(run, dir, e);
        }
    }

    /// <summary>Rank 0's part of a save: model, state, the optimizer's whole state or the list of its parts, and the DONE marker.</summary>
    static void Publish(TrainingRun run, string dir, IEnumerable<(string, TorchSharp.torch.Tensor)> optimizer, IReadOnlyList<string>? parts, string? partsTemp)
    {
        try
        {
            Checkpoint.Save(dir, run.State(), run.Model.state_dict().Select(kv => (kv.Key, kv.Value)), optimizer, run.Objective.StateTensors(), parts, partsTemp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Checkpoint.Save removed its temporary directory and touched no complete checkpoint.
            throw Failed(run, dir, e);
        }
        run.Progress.LastCheckpoint = dir;
        run.Progress.CheckpointedStep = run.Progress.Step;
    }

    static TrainingFailedException Failed(TrainingRun run, string dir, Exception e) =>
        new($"writing checkpoint {dir} failed ({e.Message}); " +
            $"{(run.Progress.LastCheckpoint is null ? "no earlier checkpoint exists" : $"the previous checkpoint {run.Progress.LastCheckpoint} is intact")}; " +
            "free disk space, then rerun with --resume auto", e);

    /// <summary>Ctrl-C or SIGTERM between steps: the finished steps are checkpointed, then the run stops, resumable.</summary>
    public static void Interrupt(TrainingRun run)
    {
        if (run.Progress.Step == 0)
            throw new InterruptedException("interrupted before the first step; nothing was trained; continue with --resume auto");
        if (!run.IsMain)
        {
            if (run.Optimizer.Sharded && (run.Progress.LastCheckpoint is null || run.Progress.Step != run.Progress.CheckpointedStep))
                Save(run, run.Directory.StepDir(run.Progress.Step)); // its part of gathering the optimizer state
            // Exit only once rank 0 has its checkpoint: a launcher that sees one rank end may end the others (MPICH's hydra does).
            run.World.Barrier();
            throw new InterruptedException($"interrupted at step {run.Progress.Step}; rank 0 wrote the checkpoint; continue with --resume auto");
        }
        if (run.Progress.LastCheckpoint is null || run.Progress.Step != run.Progress.CheckpointedStep)
        {
            Save(run, run.Directory.StepDir(run.Progress.Step));
            run.Directory.PruneCheckpoints(run.Config.Train.KeepCheckpoints);
        }
        run.World.Barrier();
        run.Log.Warning("interrupted at step {Step}; checkpoint {Checkpoint}", run.Progress.Step, run.Progress.LastCheckpoint);
        throw new InterruptedException($"interrupted at step {run.Progress.Step}; checkpoint {run.Progress.LastCheckpoint}; continue with --resume auto");
    }
}
