// The managed handles of a custom autograd function's backward. libtorch calls a backward on its autograd engine's
// thread: the caller's for CPU tensors, but for CUDA tensors a device worker thread on which no dispose scope is open.
// There, every handle TorchSharp makes for the backward (the incoming gradient, each saved tensor as it is unpacked)
// and every gradient handed back would keep its tensor alive until the GC finalized it. For a checkpointed decoder
// block that is three residual-stream tensors per block and step: on an H200, gpt2-124m bf16 16 × 1024 peaked at
// 23.5 GB with checkpointing against 10.9 GB without (scripts/gpu-check.sh, 2026-12-04). A CPU run never showed it:
// there the handles fell into the training step's scope.
//
// So a backward body runs in its own dispose scope, the incoming gradient is disposed when it is done, and the
// gradients it returns are kept here until libtorch has copied them (it does so as the backward returns): they are
// disposed when the same thread runs the next backward, or by Release once the whole backward pass is over.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Model.Runtime;

public sealed class BackwardHandles
{
    readonly Dictionary<int, List<Tensor>> _returned = [];

    /// <summary>
    /// <paramref name="body"/>'s gradients, computed in a scope that disposes everything else it made; <paramref name="gradOutput"/>
    /// disposed after it. With <paramref name="owner"/> null (a caller outside a model, e.g. a test) the gradients move to the
    /// caller's scope as before; with an owner they are the owner's, disposed on this thread's next backward or by Release.
    /// </summary>
    public static List<Tensor> Run(BackwardHandles? owner, Tensor gradOutput, Func<List<Tensor>> body)
    {
        owner?.ReleaseThread(Environment.CurrentManagedThreadId);
        List<Tensor> gradients;
        using (var scope = torch.NewDisposeScope())
        {
            gradients = body();
            foreach (var g in gradients)
                if (g is not null)
                {
                    if (owner is null)
                        g.MoveToOuterDisposeScope();
                    else
                        scope.Detach(g);
                }
        }
        gradOutput.Dispose();
        if (owner is not null)
            lock (owner._returned)
            {
                int thread = Environment.CurrentManagedThreadId;
                if (!owner._returned.TryGetValue(thread, out var list))
                    owner._returned[thread] = list = [];
                list.AddRange(gradients.Where(g => g is not null));
            }
        return gradients;
    }

    /// <summary>Disposes every gradient handed back so far. Only once the backward pass that returned them has finished.</summary>
    public void Release()
    {
        lock (_returned)
        {
            foreach (var list in _returned.Values)
                Dispose(list);
            _returned.Clear();
        }
    }

    /// <summary>Gradients handed back for unreleased backwards (tests).</summary>
    public int Pending
    {
        get { lock (_returned) return _returned.Values.Sum(l => l.Count); }
    }

    // This thread's earlier backward returned, so libtorch has copied its gradients.
    void ReleaseThread(int thread)
    {
        lock (_returned)
            if (_returned.Remove(thread, out var list))
                Dispose(list);
    }

    static void Dispose(List<Tensor> tensors)
    {
        foreach (var t in tensors)
            t.Dispose();
    }
}
