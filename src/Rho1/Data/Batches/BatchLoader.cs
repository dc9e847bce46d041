// Turns sampler windows of T+1 tokens into (inputs, targets) batches on the device. The only state is the
// sampler's cursor, so a restored cursor reproduces the batch sequence exactly.
using Rho1.Data.Reading;
using Rho1.Data.Sampling;
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Data.Batches;

public sealed class BatchLoader
{
    readonly TokenSplit _split;
    readonly WindowSampler _sampler;
    readonly int _batchSize, _seqLen;
    readonly Device _device;
    readonly long[] _buffer;

    public BatchLoader(TokenSplit split, int batchSize, int seqLen, long seed, Device device)
    {
        _split = split;
        _batchSize = batchSize;
        _seqLen = seqLen;
        _device = device;
        _sampler = new WindowSampler(split, seqLen, seed);
        _buffer = new long[batchSize * (seqLen + 1)];
    }

    public WindowSampler Sampler => _sampler;

    /// <summary>The next B windows: inputs are tokens 0..T-1 of each window, targets tokens 1..T.</summary>
    public Batch Next()
    {
        var starts = new long[_batchSize];
        for (int b = 0; b < _batchSize; b++)
        {
            starts[b] = _sampler.NextStart();
            _split.Read(starts[b], _buffer.AsSpan(b * (_seqLen + 1), _seqLen + 1));
        }
        var all = HostTransfer.ToDevice(torch.tensor(_buffer, new long[] { _batchSize, _seqLen + 1 }), _device); // (B, T+1)
        return new Batch(all.narrow(1, 0, _seqLen), all.narrow(1, 1, _seqLen), starts);
    }
}
