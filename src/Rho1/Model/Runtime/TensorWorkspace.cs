// Named buffers kept from one call to the next, so that a large intermediate (a (chunk, V) logits block, a (V, C)
// gradient sum) is allocated once per run instead of once per step. A fresh block of that size costs every step twice
// on a CPU: glibc maps it afresh and the kernel faults it in page by page, or, served from the heap, it is placed
// wherever a hole fits and the heap fragments (docs/performance.md, "Memory plan against measurement").
// A buffer's contents are whatever the previous call left: callers overwrite or zero what they use.
using static TorchSharp.torch;

namespace Rho1.Model.Runtime;

public sealed class TensorWorkspace : IDisposable
{
    readonly Dictionary<string, Tensor> _buffers = [];

    /// <summary>
    /// A tensor of <paramref name="shape"/>, <paramref name="dtype"/> and <paramref name="device"/> under <paramref name="name"/>:
    /// the earlier one (its first rows when it has more) if it matches, else a new one that replaces it. Owned by the
    /// workspace: callers neither dispose it nor keep it past the next call for the same name.
    /// </summary>
    public Tensor Get(string name, long[] shape, ScalarType dtype, Device device)
    {
        if (_buffers.TryGetValue(name, out var held))
        {
            if (held.dtype == dtype && held.device_type == device.type && held.device_index == device.index && held.dim() == shape.Length && held.shape[0] >= shape[0]
                && held.shape.Skip(1).SequenceEqual(shape.Skip(1)))
                return held.shape[0] == shape[0] ? held.alias() : held.narrow(0, 0, shape[0]);
            held.Dispose();
        }
        var fresh = empty(shape, dtype, device).DetachFromDisposeScope();
        _buffers[name] = fresh;
        return fresh.alias();
    }

    /// <summary>Bytes held.</summary>
    public long Bytes => _buffers.Values.Sum(t => t.numel() * t.element_size());

    public void Dispose()
    {
        foreach (var t in _buffers.Values) t.Dispose();
        _buffers.Clear();
    }
}
