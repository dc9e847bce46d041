// A training checkpoint: the model's weights, the optimizer's state and the trainer's state (TrainerState), in
// the checkpoint directory format of Model/Storage/CheckpointFiles. Saving and loading for resume; reading
// a model for inference goes through Model/Storage/ModelLoader instead.
using System.Text.Json;
using Rho1.Model.Storage;
using static TorchSharp.torch;

namespace Rho1.Training.Runs;

/// <param name="Objective">The training objective's own tensors (a refreshing reference's weights and moments), names without the prefix.</param>
/// <param name="OptimizerParts">Sharded optimizer state, one file per rank that wrote it (then Optimizer holds no moments); empty when whole.</param>
public sealed record LoadedCheckpoint(string Path, TrainerState State, Dictionary<string, Tensor> Model, Dictionary<string, Tensor> Optimizer, Dictionary<string, Tensor> Objective,
    IReadOnlyList<string> OptimizerParts)
{
    public IEnumerable<Tensor> AllTensors => Model.Values.Concat(Optimizer.Values).Concat(Objective.Values);
}

public static class Checkpoint
{
    /// <summary>The objective's tensors share the optimizer file under this prefix (docs/checkpoint-format.md).</summary>
    public const string ObjectivePrefix = "objective.";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes a complete checkpoint to <paramref name="dir"/>, replacing an older one there only once the new one is complete.</summary>
    /// <param name="parts">The optimizer's per-rank parts, already in <paramref name="partsTemp"/> (sharded state); <paramref name="optimizer"/> is then empty.</param>
    public static void Save(string dir, TrainerState state, IEnumerable<(string, Tensor)> model, IEnumerable<(string, Tensor)> optimizer,
        IEnumerable<(string Name, Tensor Tensor)> objective, IReadOnlyList<string>? parts = null, string? partsTemp = null) =>
        CheckpointFiles.Write(dir, state.Step, JsonSerializer.Serialize(state, Json), model,
            optimizer.Concat(objective.Select(t => (ObjectivePrefix + t.Name, t.Tensor))), parts, partsTemp);

    /// <summary>Loads a checkpoint after verifying it; a damaged one is a user error naming the file.</summary>
    public static LoadedCheckpoint Load(string dir)
    {
        var state = ReadState(dir);
        var optimizer = CheckpointFiles.ReadTensors(dir, CheckpointFiles.OptimizerFile);
        var objective = optimizer.Where(kv => kv.Key.StartsWith(ObjectivePrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[ObjectivePrefix.Length..], kv => kv.Value);
        foreach (var name in objective.Keys) optimizer.Remove(ObjectivePrefix + name);
        return new LoadedCheckpoint(dir, state, CheckpointFiles.ReadTensors(dir, CheckpointFiles.ModelFile), optimizer, objective, CheckpointFiles.PartPaths(dir));
    }

    /// <summary>One rank's part of sharded optimizer state (LoadedCheckpoint.OptimizerParts), verified; a damaged one is a user error.</summary>
    public static IReadOnlyDictionary<string, Tensor> ReadPart(string path) =>
        CheckpointFiles.ReadTensors(Path.GetDirectoryName(path)!, Path.GetFileName(path));

    /// <summary>Reads only state.json of a verified checkpoint.</summary>
    public static TrainerState ReadState(string dir) =>
        JsonSerializer.Deserialize<TrainerState>(CheckpointFiles.ReadState(dir)) ?? throw new UserErrorException($"checkpoint {dir}: empty {CheckpointFiles.StateFile}");
}
