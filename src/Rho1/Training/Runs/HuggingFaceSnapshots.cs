// Hugging Face copies of the model while it trains (train.hf_export), for researchers who evaluate checkpoints with
// other tools: RUN/hf/step-NNNNNNN and RUN/hf/final, each what `rho1 export` would write from the checkpoint of that
// step (safetensors, the family's config.json, rho1.json, the tokenizer's files), written under a temporary name and
// renamed into place. Written before the checkpoint of the same step, so a complete checkpoint implies its copy; a
// step redone after a resume writes the same copy again. Rank 0 only; training state is untouched.
using System.Text.Json;
using Rho1.IO;
using Rho1.Model.Storage;

namespace Rho1.Training.Runs;

public static class HuggingFaceSnapshots
{
    /// <summary>The folder of the copies inside a run directory.</summary>
    public const string Folder = "hf";

    /// <summary>Writes the model of <paramref name="run"/> as it is now to RUN/hf/<paramref name="name"/>; returns that directory.</summary>
    public static string Write(TrainingRun run, string name)
    {
        string target = Path.Combine(run.Directory.Dir, Folder, name), temp = AtomicDirectory.TempFor(target);
        var info = CheckpointInfo.Parse(JsonSerializer.Serialize(run.State()), target); // what a checkpoint of this step would say
        var tokenizer = ModelTokenizer.TryFind(info);
        string? source = run.InitFrom is { } init && HuggingFaceModel.IsModelDirectory(init) ? init : null; // its generation_config.json etc.
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            HuggingFaceExport.Write(run.Model, info, temp, tokenizer?.BosId, tokenizer, source);
            AtomicDirectory.Publish(temp, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw new TrainingFailedException($"writing the Hugging Face copy {target} failed ({e.Message}); free disk space, then rerun with --resume auto", e);
        }
        run.Log.Information("step {Step}: Hugging Face copy in {Dir}", run.Progress.Step, target);
        return target;
    }
}
