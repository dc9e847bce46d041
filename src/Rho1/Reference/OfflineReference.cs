// Reference losses gathered from a score file: row b of a batch takes values start_b+1 .. start_b+T, the
// losses of exactly the targets the trainer sees in that window.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Reference;

public sealed class OfflineReference : IReferenceLosses
{
    readonly ScoreStore _store;
    float[] _buffer = Array.Empty<float>();

    public OfflineReference(ScoreStore store) => _store = store;

    public Tensor Losses(Batch batch)
    {
        long b = batch.Targets.shape[0], t = batch.Targets.shape[1];
        if (_buffer.Length != b * t) _buffer = new float[b * t];
        for (int row = 0; row < b; row++)
            _store.Read(batch.Starts[row] + 1, _buffer.AsSpan((int)(row * t), (int)t));
        return HostTransfer.ToDevice(torch.tensor(_buffer, new long[] { b, t }), batch.Targets.device); // (B, T)
    }

    public double FlopsPerToken => 0;

    public JsonObject Describe() => new() { ["reference"] = _store.Meta.Reference, ["reference_mode"] = "offline", ["ref_scores"] = _store.Directory };

    public void Dispose() => _store.Dispose();
}
