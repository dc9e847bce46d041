// A reference whose losses are given, for objective tests that need no model, and a batch of dummy ids.
using System.Text.Json.Nodes;
using Rho1.Data.Batches;
using Rho1.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Fixtures;

public sealed class FixedReference(Tensor losses) : IReferenceLosses
{
    public Tensor Losses(Batch batch) => losses;
    public double FlopsPerToken => 0;
    public JsonObject Describe() => new() { ["reference"] = "fixed" };
    public void Dispose() { }

    public static Batch DummyBatch(long b, long t) =>
        new(torch.zeros(new[] { b, t }, ScalarType.Int64), torch.zeros(new[] { b, t }, ScalarType.Int64), new long[b]);
}
