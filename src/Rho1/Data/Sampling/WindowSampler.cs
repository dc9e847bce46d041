// Chooses training windows: fixed windows of T+1 tokens (inputs plus shifted targets) starting at k*T, visited
// in a seeded permutation without replacement, a fresh one per epoch. The permutation is SplitMix64 driving
// Fisher-Yates, seeded by (seed, epoch), so a cursor (epoch, position) fully determines what comes next.
// It is not a reader: the caller reads the window with TokenSplit.Read(start, span of T+1).
using Rho1.Data.Reading;

namespace Rho1.Data.Sampling;

/// <summary>Seeded, resumable order of the windows of one split.</summary>
public sealed class WindowSampler
{
    readonly int _contextLength;
    readonly ulong _seed;
    int[] _order = [];
    long _epoch;
    long _position;

    /// <summary>Windows over <paramref name="split"/> with <paramref name="contextLength"/> (T) input tokens each.</summary>
    public WindowSampler(TokenSplit split, int contextLength, long seed)
        : this(split.Length, contextLength, seed, split.Name) { }

    /// <summary>Windows over a split of <paramref name="tokens"/> tokens.</summary>
    public WindowSampler(long tokens, int contextLength, long seed, string splitName = "split")
    {
        if (contextLength < 1)
            throw new UserErrorException($"context length {contextLength} must be at least 1");
        if (tokens < 1 || (tokens - 1) / contextLength < 1)
            throw new UserErrorException(
                $"{splitName} has {tokens} tokens, but one window of context length {contextLength} needs {(long)contextLength + 1}; " +
                "use a shorter context or more data");
        WindowsPerEpoch = (tokens - 1) / contextLength;
        if (WindowsPerEpoch > Array.MaxLength)
            throw new UserErrorException($"{splitName} has {WindowsPerEpoch} windows, more than one epoch's permutation can hold; use a longer context");
        _contextLength = contextLength;
        _seed = (ulong)seed;
        Shuffle(0);
    }

    /// <summary>Windows per epoch: (tokens - 1) / T.</summary>
    public long WindowsPerEpoch { get; }

    /// <summary>The position of the next window to be returned.</summary>
    public SamplerCursor Cursor => new(_epoch, _position);

    /// <summary>Continues from <paramref name="cursor"/>, as if every window before it had been taken.</summary>
    public void Restore(SamplerCursor cursor)
    {
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position > WindowsPerEpoch)
            throw new UserErrorException(
                $"sampler cursor (epoch {cursor.Epoch}, position {cursor.Position}) does not fit {WindowsPerEpoch} windows per epoch; was the data or context length changed?");
        if (cursor.Epoch != _epoch)
            Shuffle(cursor.Epoch);
        _position = cursor.Position;
    }

    /// <summary>Start token of the next window (its T+1 tokens are [start, start + T]); rolls into the next epoch.</summary>
    public long NextStart()
    {
        if (_position == WindowsPerEpoch)
        {
            Shuffle(_epoch + 1);
            _position = 0;
        }
        return (long)_order[_position++] * _contextLength;
    }

    void Shuffle(long epoch)
    {
        if (_order.Length != WindowsPerEpoch)
            _order = new int[WindowsPerEpoch];
        for (int i = 0; i < _order.Length; i++)
            _order[i] = i;
        var rng = new SplitMix64(SplitMix64.Mix(_seed) ^ SplitMix64.Mix((ulong)epoch + 0x632BE59BD9B4E019UL));
        for (int i = _order.Length - 1; i > 0; i--)
        {
            int j = (int)rng.NextBelow((ulong)i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
        _epoch = epoch;
    }
}
