// Reference losses computed each step by a forward pass of the reference model under no-grad.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Reference;

public sealed class OnlineReference : IReferenceLosses
{
    readonly Transformer _model;
    readonly string _path;
    readonly int _seqLen;

    public OnlineReference(Transformer model, string path, int seqLen)
    {
        _model = model;
        _path = path;
        _seqLen = seqLen;
        _model.eval();
    }

    /// <summary>The reference model (in eval mode), for a caller that keeps training it.</summary>
    public Transformer Model => _model;

    public Tensor Losses(Batch batch)
    {
        using var noGrad = torch.no_grad();
        return _model.TokenLosses(batch.Inputs, batch.Targets);
    }

    public double FlopsPerToken => FlopCounter.ForwardFlopsPerToken(_model.Config, _model.ParameterCount, _seqLen);

    public JsonObject Describe() => new() { ["reference"] = _path, ["reference_mode"] = "online" };

    public void Dispose() => _model.Dispose();
}
