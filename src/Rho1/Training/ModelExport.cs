// Exports a checkpoint for PyTorch / transformers users (see Model/HuggingFaceExport for the layout).
using Rho1.Model;

namespace Rho1.Training;

public static class ModelExport
{
    public static string Run(string modelPath, string outDir, bool force)
    {
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !force)
            throw new UserErrorException($"--out {outDir}: already exists; use --force to overwrite");
        var (model, state) = ModelCheckpoint.Load(modelPath, TorchSharp.torch.CPU);
        using var _ = model;
        HuggingFaceExport.Write(model, state.EosId, outDir);
        return Path.Combine(outDir, "model.safetensors");
    }
}
