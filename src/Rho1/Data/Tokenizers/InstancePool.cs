// A pool of interchangeable tokenizer instances, one per concurrent caller. Microsoft.ML.Tokenizers guards each
// instance's word cache with a single lock, so threads sharing one instance queue on it; separate instances
// (tens of MB each for the tiktoken vocabularies) let prepare scale with cores.
using System.Collections.Concurrent;

namespace Rho1.Data.Tokenizers;

internal sealed class InstancePool<T>(T first, Func<T> create) where T : class
{
    readonly ConcurrentBag<T> _idle = [first];

    /// <summary>The first instance, for calls that are rare and need no scaling (decoding, metadata).</summary>
    public T First { get; } = first;

    public TResult Use<TResult>(Func<T, TResult> call)
    {
        var instance = _idle.TryTake(out var idle) ? idle : create();
        try
        {
            return call(instance);
        }
        finally
        {
            _idle.Add(instance);
        }
    }
}
