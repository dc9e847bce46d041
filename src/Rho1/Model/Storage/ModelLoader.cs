// Loads a trained model for evaluation, sampling, scoring or export: from a checkpoint directory, or from a
// run directory (its final checkpoint, else its newest complete one).
using Rho1.Training.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class ModelCheckpoint
{
    /// <summary>Resolves a run or checkpoint directory to a checkpoint directory.</summary>
    public static string Resolve(string path)
    {
        if (!Directory.Exists(path))
            throw new UserErrorException($"{path}: no such checkpoint or run directory");
        if (File.Exists(Path.Combine(path, Checkpoint.DoneFile)) || File.Exists(Path.Combine(path, Checkpoint.StateFile)))
            return path;
        var skipped = new List<string>();
        string? latest = RunDirectory.LatestComplete(path, skipped);
        if (latest is null)
            // One line that names every damaged candidate, instead of a warning per candidate and then an error.
            throw new UserErrorException(skipped.Count == 0
                ? $"{path}: holds no complete checkpoint (expected final/ or checkpoints/step-N/ with a DONE marker)"
                : $"{path}: holds no usable checkpoint ({string.Join("; ", skipped)})");
        foreach (string s in skipped)
            Serilog.Log.Warning("using {Latest}, skipping damaged checkpoint {Skipped}", latest, s);
        return latest;
    }

    /// <summary>The model (on <paramref name="device"/>, in eval mode) and the state it was saved with.</summary>
    public static (Transformer Model, TrainerState State) Load(string path, Device device)
    {
        string dir = Resolve(path);
        var loaded = Checkpoint.Load(dir);
        var model = new Transformer(loaded.State.Config.Model, loaded.State.Config.Train.Seed);
        LoadWeights(model, loaded.Model, dir);
        foreach (var t in loaded.Model.Values.Concat(loaded.Optimizer.Values)) t.Dispose();
        model.to(device);
        model.eval();
        return (model, loaded.State);
    }

    /// <summary>Copies checkpoint weights into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadWeights(Transformer model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        using var noGrad = torch.no_grad();
        var own = model.state_dict();
        foreach (var (name, dst) in own)
        {
            if (!weights.TryGetValue(name, out var src))
                throw new UserErrorException($"checkpoint {source} lacks weight '{name}': it is from a different model shape");
            if (!src.shape.SequenceEqual(dst.shape))
                throw new UserErrorException($"checkpoint {source}: weight '{name}' has shape [{string.Join(",", src.shape)}], this model needs [{string.Join(",", dst.shape)}]");
            dst.copy_(src);
        }
        foreach (var name in weights.Keys)
            if (!own.ContainsKey(name))
                throw new UserErrorException($"checkpoint {source} has unexpected weight '{name}': it is from a different model shape");
    }
}
