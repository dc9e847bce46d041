// Turns sampler windows of T+1 tokens into (inputs, targets) batches on the device. The only state is the
// sampler's cursor, so a restored cursor reproduces the batch sequence exactly. Data-parallel, every rank draws
// the whole global batch from the same sampler sequence and reads only its own slice of rows: N ranks of B/N
// rows see exactly the windows of one process with B, and the cursor means the same whatever the world size.
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
    readonly int _batchSize, _seqLen, _firstRow, _rows;
    readonly Device _device;
    readonly long[] _buffer;

    /// <param name="batchSize">The global batch B; this rank's share is B / <paramref name="worldSize"/> rows.</param>
    public BatchLoader(TokenSplit split, int batchSize, int seqLen, long seed, Device device, int rank = 0, int worldSize = 1)
    {
        if (worldSize < 1 || rank < 0 || rank >= worldSize || batchSize % worldSize != 0)
            throw new ArgumentException($"a batch of {batchSize} cannot be split evenly over {worldSize} ranks (rank {rank})");
        _split = split;
        _batchSize = batchSize;
        _seqLen = seqLen;
        _device = device;
        _rows = batchSize / worldSize;
        _firstRow = rank * _rows;
        _sampler = new WindowSampler(split, seqLen, seed);
        _buffer = new long[_rows * (seqLen + 1)];
    }

    public WindowSampler Sampler => _sampler;

    /// <summary>This rank's rows of the next B windows: inputs are tokens 0..T-1 of each window, targets tokens 1..T.</summary>
    public Batch Next()
    {
        var starts = new long[_rows];
        for (int b = 0; b < _batchSize; b++)
        {
            long start = _sampler.NextStart();
            int row = b - _firstRow;
            if (row < 0 || row >= _rows) continue;
            starts[row] = start;
            _split.Read(start, _buffer.AsSpan(row * (_seqLen + 1), _seqLen + 1));
        }
        var all = HostTransfer.ToDevice(torch.tensor(_buffer, new long[] { _rows, _seqLen + 1 }), _device); // (B/N, T+1)
        return new Batch(all.narrow(1, 0, _seqLen), all.narrow(1, 1, _seqLen), starts);
    }
}
