// The scope of CollectiveWatch.Unbounded: the watch's deadline is off until it is disposed, then restored.
namespace Rho1.Distributed;

/// <summary>Waits without a deadline while it lives (see CollectiveWatch.Unbounded).</summary>
sealed class UnboundedWait(CollectiveWatch watch) : IDisposable
{
    readonly TimeSpan _timeout = watch.Timeout;
    bool _disposed;

    public UnboundedWait Start()
    {
        watch.Timeout = TimeSpan.Zero;
        return this;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        watch.Timeout = _timeout;
    }
}
