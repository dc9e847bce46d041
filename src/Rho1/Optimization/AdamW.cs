// AdamW with decoupled weight decay and two groups: matrices (rank >= 2) are decayed, vectors (norm weights) are not.
// Written here rather than taken from TorchSharp so that its state is ours to checkpoint bit-exactly, and so the update
// stays on the device without host synchronisation. The parameters live in a FlatStore and the moments are flat too, so
// the update, clipping and zeroing are a few calls per block of values however many tensors there are (issue 35).
// One implementation for both layouts (ShardLayout): unsharded, every rank updates the whole store; ZeRO-1
// (train.zero=1), rank r keeps the moments and averaged gradient of its chunks only (12 bytes per parameter become
// 12/N), updates those weights, and all-gathers them. Each value gets the same arithmetic either way, so the same bits.
// train.zero=2 adds the masters to the slice (MasterWeights): the store holds the compute dtype's working weights and
// gradients, and the update runs on this rank's fp32 masters, cast and all-gathered into the store afterwards.
// What a checkpoint holds of it, and how it is read back at any world size, is in AdamW.State.cs.
using Rho1.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public sealed partial class AdamW : IOptimizer
{
    readonly FlatStore _store;
    readonly ShardLayout _layout;
    readonly ICollectives _world; // SingleProcess unless sharded
    readonly Tensor _m, _v; // first and second moments of the owned values, fp32, at their local offsets
    readonly Tensor _grad; // the averaged gradient of the owned values: the store's gradients when unsharded
    readonly Tensor? _masters; // train.zero=2: fp32 weights of the owned values at their local offsets; null: the store is fp32
    readonly Tensor[] _mViews, _vViews; // per parameter, for checkpoints (unsharded)
    readonly double _beta1, _beta2, _eps, _weightDecay;
    readonly long _block, _normBlock;

    long _step;
    Tensor? _deviceStep; // gated updates count on the device (fp64), so the host never learns whether one applied

    /// <summary>Completed update count (bias correction uses it). After gated updates, reading it waits for the device.</summary>
    public long Step => _deviceStep is null ? _step : (long)_deviceStep.item<double>();

    /// <summary>Takes the parameters into a FlatStore (their values kept, gradients zeroed views of one buffer).</summary>
    /// <param name="shardOver">The job whose ranks share the state (train.zero=1 or 2); null: every value on this rank.</param>
    /// <param name="bucketValues">Values per reduce-scatter and all-gather when sharded (DDP's 25 MB of fp32 by default).</param>
    /// <param name="normBlock">Values per partial sum of the clipping norm (GradientClipping.NormBlock; smaller in tests).</param>
    /// <param name="masters">
    /// train.zero=2: this rank's slice of the fp32 weights (MasterSlice of the fp32 parameters, taken before the model moved
    /// to its compute dtype; the parameters given are then in that dtype), which the optimizer adopts. Needs <paramref name="shardOver"/>.
    /// </param>
    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1, double beta2, double eps, double weightDecay,
        ICollectives? shardOver = null, long bucketValues = GradientBuckets.DefaultElements, long normBlock = GradientClipping.NormBlock,
        Tensor? masters = null)
    {
        if (masters is not null && shardOver is null) throw new ArgumentException("master weights are sharded: give the job to shard over", nameof(masters));
        ShardLayout? layout = null;
        _store = new FlatStore(parameters, length => (layout = shardOver is null ? ShardLayout.Whole(length)
            : ShardLayout.Chunked(length, shardOver.Rank, shardOver.Size, bucketValues, normBlock)).Capacity);
        _layout = layout!;
        _world = shardOver ?? SingleProcess.Instance;
        var device = _store.Weights.device;
        _m = torch.zeros(_layout.LocalLength, device: device).DetachFromDisposeScope();
        _v = torch.zeros(_layout.LocalLength, device: device).DetachFromDisposeScope();
        _grad = _layout.Sharded ? torch.zeros(_layout.LocalLength, device: device).DetachFromDisposeScope() : _store.Gradients;
        if (masters is not null)
        {
            if (masters.numel() != _layout.LocalLength || masters.dtype != ScalarType.Float32)
                throw new ArgumentException($"a master slice of {masters.numel()} {masters.dtype} values for a layout of {_layout.LocalLength} fp32", nameof(masters));
            _masters = masters;
            MasterWeights.Gather(_world, _layout, _masters, _store); // the working weights are the masters' casts on every rank
        }
        _mViews = _layout.Sharded ? [] : [.. _store.InGivenOrder.Select(e => FlatStore.View(_m, e))];
        _vViews = _layout.Sharded ? [] : [.. _store.InGivenOrder.Select(e => FlatStore.View(_v, e))];
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        (_block, _normBlock) = (AdamStep.BlockFor(device), normBlock);
    }

    /// <summary>The store that holds the parameters (their weights and gradients as views of its buffers).</summary>
    public FlatStore Store => _store;

    public IEnumerable<string> DecayedNames => _store.InGivenOrder.Where(e => e.Decay).Select(e => e.Name);

    /// <summary>Whether the state is sharded over ranks (train.zero=1 or 2): State() is then a collective.</summary>
    public bool Sharded => _layout.Sharded;

    /// <summary>train.zero=2's master slice of fp32 <paramref name="parameters"/>, for the constructor's <c>masters</c> (the same bucket and norm-block sizes).</summary>
    public static Tensor MasterSlice(IReadOnlyList<(string Name, Parameter Param)> parameters, ICollectives shardOver,
        long bucketValues = GradientBuckets.DefaultElements, long normBlock = GradientClipping.NormBlock) =>
        MasterWeights.Slice(parameters, shardOver, bucketValues, normBlock);

    /// <summary>Whether fp32 master weights are kept apart from the store, sharded (train.zero=2).</summary>
    public bool ShardedMasters => _masters is not null;

    /// <summary>fp32 values of optimizer state this rank holds: moments, the gradient chunks when sharded, the masters with train.zero=2.</summary>
    public long LocalStateElements => ((_layout.Sharded ? 3 : 2) + (_masters is null ? 0 : 1)) * _layout.LocalLength;

    /// <summary>
    /// After a micro-batch's backward: with train.zero=2 its gradient (the store's, in the compute dtype) is reduce-scattered
    /// and added into this rank's fp32 sum, and the store's gradient zeroed; otherwise nothing (autograd accumulates into
    /// the store). Returns the seconds spent.
    /// </summary>
    public double AccumulateMicroBatch()
    {
        if (_masters is null) return 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        MasterWeights.ReduceMicroBatch(_world, _layout, _store, _grad, ReduceType);
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The dtype gradients travel in (train.grad_reduce_dtype): Float32, or BFloat16 to halve the bytes; unsharded, or with train.zero=2 where the collectives sum bfloat16 (NCCL).</summary>
    public ScalarType ReduceType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// Averages the gradients over ranks: unsharded, an all-reduce of buckets that are views of the gradient buffer;
    /// sharded, a reduce-scatter per bucket into this rank's chunks (the shard's own job, whatever <paramref name="world"/>).
    /// </summary>
    public double ReduceGradients(ICollectives world)
    {
        if (!_layout.Sharded) return GradientBuckets.AllReduceMean(world, _store.Gradients, ReduceType);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var noGrad = torch.no_grad();
        using var size = _world.Size.ToScalar(); // held for the calls (HeldScalars.cs)
        if (_masters is not null) // summed micro-batch by micro-batch (AccumulateMicroBatch): the mean is one division
        {
            if (_world.Size > 1) _grad.div_(size);
            return watch.Elapsed.TotalSeconds;
        }
        for (int b = 0; b < _layout.Buckets; b++)
        {
            using var input = _store.PaddedGradients.narrow(0, b * _layout.BucketValues, _layout.BucketValues);
            using var output = _grad.narrow(0, b * _layout.Chunk, _layout.Chunk);
            _world.ReduceScatterSum(input, output);
            if (_world.Size > 1) output.div_(size);
        }
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The norm from fixed blocks of the store (partials of the other ranks' chunks summed in when sharded), the scaling one call.</summary>
    public Tensor ClipGradients(double maxNorm)
    {
        using var noGrad = torch.no_grad();
        using var squares = GradientClipping.BlockSquares(_grad, _layout, _normBlock);
        if (_layout.Sharded && _world.Size > 1)
            _world.AllReduceSum(squares); // each block's sum is on one rank, zeros elsewhere: the sum is exact
        var norm = GradientClipping.Norm(squares);
        GradientClipping.Scale(_grad, norm, maxNorm);
        return norm;
    }

    /// <summary>The owned ranges cut where decay stops (matrices first in the store): store start, local start, length, decayed.</summary>
    IEnumerable<(long Start, long Local, long Length, bool Decay)> Pieces()
    {
        long d = _store.DecayedLength;
        foreach (var r in _layout.Owned)
        {
            long cut = Math.Clamp(d - r.Start, 0, r.Length);
            if (cut > 0) yield return (r.Start, r.LocalStart, cut, true);
            if (r.Length > cut) yield return (r.Start + cut, r.LocalStart + cut, r.Length - cut, false);
        }
    }

    /// <summary>One update with learning rate <paramref name="lr"/>.</summary>
    public void Update(double lr)
    {
        SettleStep();
        using var step = new AdamStep(lr, _beta1, _beta2, _eps, _weightDecay, ++_step);
        using var noGrad = torch.no_grad();
        foreach (var (start, local, length, decay) in Pieces())
        {
            using var p = Weights(start, local, length);
            using var g = _grad.narrow(0, local, length);
            using var m = _m.narrow(0, local, length);
            using var v = _v.narrow(0, local, length);
            step.Apply(p, g, m, v, decay, _block);
        }
        GatherWeights();
    }

    /// <summary>
    /// One update that applies only where <paramref name="apply"/> (a 0-dim bool tensor on the parameters' device, the same on
    /// every rank) is true, decided on the device: a skipped update leaves parameters, moments and the step count exactly as
    /// they were, and nothing is read back to the host. The arithmetic is the same as Update's up to rounding.
    /// </summary>
    public void Update(double lr, Tensor apply)
    {
        _deviceStep ??= torch.tensor((double)_step, ScalarType.Float64, _store.Weights.device).DetachFromDisposeScope();
        using (var gated = new GatedAdamStep(apply, _deviceStep, lr, _beta1, _beta2, _eps, _weightDecay))
            foreach (var (start, local, length, decay) in Pieces())
                foreach (var (offset, n) in AdamStep.Blocks(length, _block))
                    gated.Apply(Weights(start + offset, local + offset, n), _grad.narrow(0, local + offset, n),
                        _m.narrow(0, local + offset, n), _v.narrow(0, local + offset, n), decay);
        GatherWeights();
    }

    /// <summary>The fp32 weights an update writes: the masters (train.zero=2, at local offsets) or the store.</summary>
    Tensor Weights(long start, long local, long length) =>
        _masters is null ? _store.Weights.narrow(0, start, length) : _masters.narrow(0, local, length);

    /// <summary>Every rank's updated chunks to every rank, a bucket at a time (sharded only); masters cast to the store's dtype first.</summary>
    void GatherWeights()
    {
        if (_masters is not null)
        {
            MasterWeights.Gather(_world, _layout, _masters, _store);
            return;
        }
        if (!_layout.Sharded) return;
        using var noGrad = torch.no_grad();
        for (int b = 0; b < _layout.Buckets; b++)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = _store.PaddedWeights.narrow(0, b * _layout.BucketValues + _world.Rank * _layout.Chunk, _layout.Chunk);
            _store.PaddedWeights.narrow(0, b * _layout.BucketValues, _layout.BucketValues).copy_(_world.AllGather(chunk));
        }
    }

    /// <summary>Brings the host count up to date after gated updates (one read), before a host-decided update or a save.</summary>
    void SettleStep()
    {
        if (_deviceStep is null) return;
        _step = (long)_deviceStep.item<double>();
        _deviceStep.Dispose();
        _deviceStep = null;
    }

    /// <summary>Every gradient to zero: one call over the store (and one over the fp32 sum with train.zero=2).</summary>
    public void ZeroGrad()
    {
        _store.Gradients.zero_();
        if (_masters is not null) _grad.zero_();
    }

    public void Dispose()
    {
        _deviceStep?.Dispose();
        foreach (var t in _mViews.Concat(_vViews)) t.Dispose();
        _m.Dispose();
        _v.Dispose();
        _masters?.Dispose();
        if (_layout.Sharded) _grad.Dispose();
        _store.Dispose();
    }
}
