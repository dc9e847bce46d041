// The one way to read a trained model for inference (eval, sample, score, analyze, export, an online
// reference): resolve the path, verify the checkpoint, build the model it describes and copy its weights.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Storage;

/// <summary>A model read from a checkpoint, in eval mode, and what its checkpoint says about it.</summary>
public sealed record LoadedModel(Transformer Model, CheckpointInfo Info, string Path) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

public static class ModelLoader
{
    /// <summary>
    /// Loads the model of a checkpoint or run directory onto <paramref name="device"/>, in eval mode, computing in
    /// <paramref name="precision"/> (fp32 or bf16; null = the precision it was trained in).
    /// </summary>
    public static LoadedModel Load(string path, Device device, string? precision = null)
    {
        string dir = CheckpointSearch.Resolve(path);
        if (HuggingFaceModel.IsModelDirectory(dir))
            return LoadHuggingFace(dir, device, precision);
        var info = CheckpointInfo.Parse(CheckpointFiles.ReadState(dir), dir);
        var weights = CheckpointFiles.ReadTensors(dir, CheckpointFiles.ModelFile);
        var model = new Transformer(info.Config.Model, info.Config.Train.Seed, initialise: false); // every weight is loaded next
        try
        {
            LoadWeights(model, weights, dir);
            MasterParts.Apply(model, dir); // train.zero=2: the fp32 masters over model.bin's bf16 weights
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        model.to(device);
        model.eval();
        model.ComputeType = ComputePrecision.Parse(precision ?? info.Precision);
        return new LoadedModel(model, info, dir);
    }

    /// <summary>What a checkpoint, run directory or Hugging Face directory says about its model, without reading weights.</summary>
    public static CheckpointInfo Info(string path)
    {
        string dir = CheckpointSearch.Resolve(path);
        return HuggingFaceModel.IsModelDirectory(dir) ? HuggingFaceModel.Info(dir) : CheckpointInfo.Parse(CheckpointFiles.ReadState(dir), dir);
    }

    /// <summary>Copies the weights of <paramref name="path"/> (checkpoint, run or Hugging Face directory) into <paramref name="model"/>.</summary>
    public static void LoadWeightsFrom(string path, Transformer model)
    {
        string dir = CheckpointSearch.Resolve(path);
        if (HuggingFaceModel.IsModelDirectory(dir))
        {
            HuggingFaceModel.LoadWeights(model, dir);
            return;
        }
        var weights = CheckpointFiles.ReadTensors(dir, CheckpointFiles.ModelFile);
        try
        {
            LoadWeights(model, weights, dir);
            MasterParts.Apply(model, dir);
        }
        finally { foreach (var t in weights.Values) t.Dispose(); }
    }

    static LoadedModel LoadHuggingFace(string dir, Device device, string? precision)
    {
        var info = HuggingFaceModel.Info(dir);
        var model = new Transformer(info.Config.Model, seed: 0, initialise: false); // every weight is loaded next
        try
        {
            HuggingFaceModel.LoadWeights(model, dir);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.to(device);
        model.eval();
        model.ComputeType = ComputePrecision.Parse(precision ?? info.Precision);
        return new LoadedModel(model, info, dir);
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
        model.WeightsChanged();
    }
}
