// AdamW's checkpoint state. Unsharded, whole moments under per-tensor names ("m.NAME", "v.NAME"), so a run resumes at
// any world size, sharded or not; sharded (train.zero=1 or 2), each rank's part of the flat buffers (MomentShards),
// with its fp32 masters and the store's offsets under train.zero=2, read back from parts written at any number of ranks.
using Rho1.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public sealed partial class AdamW
{
    /// <summary>Named state tensors for checkpointing (whole moments, per parameter); gathered from every rank when sharded, a collective.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State()
    {
        if (!_layout.Sharded)
            return _store.InGivenOrder.SelectMany((e, i) => new[] { ($"m.{e.Name}", _mViews[i]), ($"v.{e.Name}", _vViews[i]) });
        using var m = MomentShards.Gather(_world, _layout, _m);
        using var v = MomentShards.Gather(_world, _layout, _v);
        // Views keep the gathered storage alive without these handles: disposing the views (as a checkpoint does) frees it.
        return [.. _store.InGivenOrder.SelectMany(e => new[] { ($"m.{e.Name}", FlatStore.View(m, e)), ($"v.{e.Name}", FlatStore.View(v, e)) })];
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = torch.no_grad();
        foreach (var (prefix, local) in new[] { ("m.", _m), ("v.", _v) })
        {
            if (!_layout.Sharded)
                foreach (var e in _store.InGivenOrder)
                    MomentShards.CopyIn(state, prefix + e.Name, FlatStore.View(local, e));
            else
                MomentShards.Scatter(state, prefix, _store.InGivenOrder, _layout, local);
        }
        RestartCount(step);
    }

    /// <summary>Makes every rank's weights and moments rank <paramref name="root"/>'s (three broadcasts of the flat buffers; unsharded only).</summary>
    public void Broadcast(ICollectives world, int root)
    {
        if (_layout.Sharded) throw new InvalidOperationException("a sharded optimizer's ranks hold different state by design");
        if (world.Size == 1) return;
        using var noGrad = torch.no_grad();
        foreach (var buffer in new[] { _store.PaddedWeights, _m, _v })
            world.Broadcast(buffer, root);
    }

    public IEnumerable<(string Name, Tensor Tensor)> PartState() =>
        !_layout.Sharded ? throw new InvalidOperationException("unsharded state is saved whole (State)")
        : _masters is null ? MomentShards.PartTensors(_layout, _m, _v, null)
        : MomentShards.PartTensors(_layout, _m, _v, _masters).Concat(_store.Entries.Select(e => ($"offset.{e.Name}", torch.tensor(new[] { e.Offset, e.Length }))));

    /// <summary>
    /// Moments (and, from a train.zero=2 checkpoint, the fp32 weights: masters, or this store's owned values, then gathered)
    /// from the parts of a sharded checkpoint written at any number of ranks.
    /// </summary>
    public void LoadParts(IEnumerable<IReadOnlyDictionary<string, Tensor>> parts, long step)
    {
        // A sharded fp32 store takes the masters into its owned ranges (the other ranks' arrive by all-gather); unsharded, into itself.
        using var owned = _masters is null && _layout.Sharded ? torch.zeros(_layout.LocalLength, device: _store.Weights.device) : null;
        if (MomentShards.LoadParts(parts, _layout, _m, _v, _masters ?? owned ?? _store.Weights))
        {
            using (torch.no_grad())
                foreach (var r in owned is null ? [] : _layout.Owned)
                {
                    using var to = _store.Weights.narrow(0, r.Start, r.Length);
                    using var from = owned!.narrow(0, r.LocalStart, r.Length);
                    to.copy_(from);
                }
            GatherWeights();
        }
        RestartCount(step);
    }

    /// <summary>The update count a checkpoint recorded, on the host (a device count from gated updates dropped).</summary>
    void RestartCount(long step)
    {
        _deviceStep?.Dispose();
        _deviceStep = null;
        _step = step;
    }
}
