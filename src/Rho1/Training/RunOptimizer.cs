// The run's optimizer: AdamW over the model's parameters, sharded as train.zero asks. With train.zero=2 and a compute
// dtype other than fp32, this rank's slice of the fp32 weights is taken first (the master weights), then the model moves
// to that dtype (its parameters become the working weights every rank computes with) and the fp32 parameters are freed
// before the bf16 store is built: 6 + 4/N bytes per parameter at the peak of the change, not 8.
using Rho1.Distributed;
using Rho1.Model;
using Rho1.Optimization;
using Rho1.Training.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Training;

public static class RunOptimizer
{
    /// <summary>The optimizer of <paramref name="model"/>, whose weights must already be the run's (initial, loaded or resumed).</summary>
    public static AdamW Create(Transformer model, TrainConfig t, ICollectives world)
    {
        Tensor? masters = null;
        if (t.Zero == 2 && t.ComputeType != ScalarType.Float32)
        {
            var fp32 = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
            masters = AdamW.MasterSlice(fp32, world);
            model.to(t.ComputeType);
            // Parameters the conversion replaced are freed now; one converted in place, if TorchSharp ever does that, stays.
            var kept = model.parameters().ToHashSet(ReferenceEqualityComparer.Instance);
            foreach (var (_, p) in fp32)
                if (!kept.Contains(p)) p.Dispose();
        }
        var named = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        var optimizer = new AdamW(named, t.Beta1, t.Beta2, t.Eps, t.WeightDecay, shardOver: t.Zero >= 1 ? world : null, masters: masters)
            { ReduceType = t.GradReduceDtype == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32 };
        model.CastInRuns(optimizer.Store.Weights, optimizer.Store.Gradients, optimizer.Store.OffsetOf); // one cast per run of a block's weights
        return optimizer;
    }
}
