// Exports a checkpoint for PyTorch / transformers users (see Model/HuggingFaceExport for the layout). The
// export is written to a hidden temporary directory and renamed into place, so --out never holds weights
// from one checkpoint beside a config.json from another.


using Rho1.IO;

namespace Rho1.Model.Storage;

public static class ModelExport
{
    public static string Run(string modelPath, string outDir, bool force)
    {
        if (File.Exists(outDir))
            throw new UserErrorException($"--out {outDir}: is a file, not a directory");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !force)
            throw new UserErrorException($"--out {outDir}: already exists; use --force to overwrite");
        var (model, state) = ModelCheckpoint.Load(modelPath, TorchSharp.torch.CPU);
        using var _ = model;
        string temp = AtomicDirectory.TempFor(outDir);
        try
        {
            HuggingFaceExport.Write(model, state.EosId, temp);
            AtomicDirectory.Publish(temp, outDir);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
        return Path.Combine(outDir, "model.safetensors");
    }
}
