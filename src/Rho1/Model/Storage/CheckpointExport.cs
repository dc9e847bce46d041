// `rho1 export` of a Rho1 checkpoint, one tensor at a time: model.bin's tensors read by index (TensorFileIndex), each
// converted to fp32, laid over with its fp32 master weights from the optimizer parts where train.zero=2 keeps them
// (MasterParts), written into the safetensors file and released before the next is read. Memory holds one tensor (the
// largest, the embedding) whatever the model's size; the values are those loading the checkpoint would give.
using Rho1.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

public static class CheckpointExport
{
    /// <summary>Writes <paramref name="outDir"/>/model.safetensors from checkpoint <paramref name="dir"/> (verified, described by <paramref name="info"/>).</summary>
    public static void Write(string dir, CheckpointInfo info, string outDir)
    {
        HuggingFaceConfig.Write(info.Config.Model, info.EosId, null); // refuses a model its family's class cannot hold, before anything is written
        using var index = TensorFileIndex.Open(Path.Combine(dir, CheckpointFiles.ModelFile));
        RequireShapes(index, info.Config.Model, dir);
        using var masters = MasterParts.Open(dir);
        Directory.CreateDirectory(outDir);
        string weights = Path.Combine(outDir, HuggingFaceExport.WeightsFile), tmp = weights + ".tmp";
        SafetensorsFile.Write(tmp, [.. index.Entries.Select(e => (HuggingFaceExport.Name(e.Name), ScalarType.Float32, e.Shape))],
            Tensors(index, masters), dispose: true);
        File.Move(tmp, weights, overwrite: true);
    }

    /// <summary>Each of model.bin's tensors in fp32, with its masters laid over it when there are any; one at a time.</summary>
    static IEnumerable<Tensor> Tensors(TensorFileIndex index, MasterParts? masters)
    {
        foreach (var entry in index.Entries)
        {
            Tensor weight;
            using (var stored = index.Read(entry))
                weight = stored.to(ScalarType.Float32, copy: true);
            masters?.Overlay(entry.Name, weight);
            yield return weight;
        }
    }

    /// <summary>model.bin must hold exactly the tensors, and shapes, of the model its state.json describes.</summary>
    static void RequireShapes(TensorFileIndex index, ModelConfig config, string dir)
    {
        using var model = new Transformer(config, seed: 0, initialise: false); // its tensors are never written to: no memory is touched
        var expected = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
        foreach (var e in index.Entries)
        {
            if (!expected.TryGetValue(e.Name, out var shape))
                throw new UserErrorException($"checkpoint {dir} has unexpected weight '{e.Name}': it is from a different model shape");
            if (!shape.SequenceEqual(e.Shape))
                throw new UserErrorException($"checkpoint {dir}: weight '{e.Name}' has shape [{string.Join(",", e.Shape)}], this model needs [{string.Join(",", shape)}]");
            expected.Remove(e.Name);
        }
        if (expected.Keys.FirstOrDefault() is { } missing)
            throw new UserErrorException($"checkpoint {dir} lacks weight '{missing}': it is from a different model shape");
    }
}
