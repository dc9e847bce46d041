// Cross-entropy over rows of logits on the CPU, fused: per row, the log-sum-exp is two passes over the row while it sits
// in cache (max, then Σ exp), and the gradient (softmax − one-hot) · dL/dloss one pass written in place, in the logits'
// own dtype. libtorch needs five or six passes over the whole chunk for each (a bf16 → fp32 copy, max, subtract, exp,
// sum; in backward subtract, exp, scatter, multiply and the copy back), which on a CPU cost as much as the output
// layer's matmuls with a 50,257-token vocabulary (docs/performance.md, "Chunked token losses").
// exp is Cephes' single-precision polynomial (relative error below 2e-7, tested against Math.Exp); bf16 values are
// widened by a 16-bit shift and rounded to nearest-even on the way back, as libtorch's casts do.
// Dimensions: n rows (positions), V vocabulary.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Rho1.Platform;
using static TorchSharp.torch;

namespace Rho1.Model.Runtime;

public static unsafe class CrossEntropyRows
{
    /// <summary>Whether these kernels serve <paramref name="logits"/>: a contiguous fp32 or bf16 (n, V) on the CPU, with 256-bit vectors.</summary>
    public static bool Supports(Tensor logits) =>
        Vector256.IsHardwareAccelerated && logits.device_type == TorchSharp.DeviceType.CPU && logits.dim() == 2 && logits.is_contiguous()
        && logits.dtype is ScalarType.Float32 or ScalarType.BFloat16 && logits.shape[1] <= int.MaxValue;

    /// <summary>
    /// logSumExp[i] = log Σ_j exp(logits[i, j]) and losses[i] = logSumExp[i] − logits[i, targets[i]], for logits (n, V),
    /// targets (n) int64, logSumExp and losses (n) fp32, all contiguous on the CPU.
    /// </summary>
    public static void Forward(Tensor logits, Tensor targets, Tensor logSumExp, Tensor losses) =>
        EachRow(logits, targets, logSumExp, losses, (row, v, bf16, target, lse, loss) =>
        {
            float max = bf16 ? MaxBf16((ushort*)row, v) : Max((float*)row, v);
            float sum = bf16 ? SumExpBf16((ushort*)row, v, max) : SumExp((float*)row, v, max);
            *(float*)lse = max + MathF.Log(sum);
            *(float*)loss = *(float*)lse - At(row, bf16, target);
        });

    /// <summary>
    /// Overwrites logits (n, V) with their gradient (softmax − one-hot(targets)) · gradOutput, row by row, from the forward's
    /// logSumExp (n); gradOutput (n) fp32. The target's entry is (exp(logit − lse) − 1) · g, rounded once.
    /// </summary>
    public static void SoftmaxGradientInPlace(Tensor logits, Tensor targets, Tensor logSumExp, Tensor gradOutput) =>
        EachRow(logits, targets, logSumExp, gradOutput, (row, v, bf16, target, lse, g) =>
        {
            float shift = *(float*)lse, scale = *(float*)g;
            float atTarget = (MathF.Exp(At(row, bf16, target) - shift) - 1) * scale;
            if (bf16) GradientBf16((ushort*)row, v, shift, scale);
            else Gradient((float*)row, v, shift, scale);
            if (bf16) ((ushort*)row)[target] = ToBf16(atTarget);
            else ((float*)row)[target] = atTarget;
        });

    /// <summary>One row's work: the row's address and length, its dtype, its target id, and its entries of the two per-row fp32 tensors.</summary>
    delegate void RowWork(nint row, int vocab, bool bf16, long target, nint first, nint second);

    /// <summary>Checks the tensors, then runs <paramref name="work"/> for every row on as many threads as libtorch uses.</summary>
    static void EachRow(Tensor logits, Tensor targets, Tensor first, Tensor second, RowWork work)
    {
        var (n, v) = Check(logits, targets, first, second);
        bool bf16 = logits.dtype == ScalarType.BFloat16;
        nint x = TensorPointer.Of(logits), t = TensorPointer.Of(targets), a = TensorPointer.Of(first), b = TensorPointer.Of(second);
        Parallel.For(0L, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) },
            i => work(x + (nint)(i * v * (bf16 ? 2 : 4)), v, bf16, ((long*)t)[i], a + (nint)(4 * i), b + (nint)(4 * i)));
        GC.KeepAlive(logits); GC.KeepAlive(targets); GC.KeepAlive(first); GC.KeepAlive(second);
    }

    static (long N, int V) Check(Tensor logits, Tensor targets, Tensor perRowA, Tensor perRowB)
    {
        if (!Supports(logits)) throw new ArgumentException($"logits must be a contiguous fp32 or bf16 (n, V) CPU tensor, got {logits.dtype} {string.Join('x', logits.shape)}", nameof(logits));
        long n = logits.shape[0], v = logits.shape[1];
        foreach (var (tensor, dtype, name) in new[] { (targets, ScalarType.Int64, nameof(targets)), (perRowA, ScalarType.Float32, "row values"), (perRowB, ScalarType.Float32, "row values") })
            if (tensor.dtype != dtype || tensor.numel() != n || !tensor.is_contiguous() || tensor.device_type != TorchSharp.DeviceType.CPU)
                throw new ArgumentException($"{name} must be {n} contiguous {dtype} values on the CPU, got {tensor.numel()} {tensor.dtype}");
        var span = new ReadOnlySpan<long>((void*)TensorPointer.Of(targets), checked((int)n));
        foreach (long id in span)
            if ((ulong)id >= (ulong)v) throw new ArgumentOutOfRangeException(nameof(targets), id, $"a target id is outside the vocabulary of {v}");
        GC.KeepAlive(targets);
        return (n, (int)v);
    }

    static float At(nint row, bool bf16, long j) => bf16 ? FromBf16(((ushort*)row)[j]) : ((float*)row)[j];

    static float FromBf16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round to nearest, ties to even (libtorch's float → bfloat16); NaN stays NaN.</summary>
    static ushort ToBf16(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    static float Max(float* p, int v)
    {
        var m = Vector256.Create(float.NegativeInfinity);
        int j = 0;
        for (; j <= v - 8; j += 8) m = Vector256.Max(m, Vector256.Load(p + j));
        float max = Horizontal(m, MathF.Max);
        for (; j < v; j++) max = MathF.Max(max, p[j]);
        return max;
    }

    static float SumExp(float* p, int v, float max)
    {
        var shift = Vector256.Create(max);
        var s = Vector256<float>.Zero;
        int j = 0;
        for (; j <= v - 8; j += 8) s += Exp(Vector256.Load(p + j) - shift);
        float sum = Horizontal(s, (a, b) => a + b);
        for (; j < v; j++) sum += MathF.Exp(p[j] - max);
        return sum;
    }

    static void Gradient(float* p, int v, float shift, float scale)
    {
        var (sv, gv) = (Vector256.Create(shift), Vector256.Create(scale));
        int j = 0;
        for (; j <= v - 8; j += 8) (Exp(Vector256.Load(p + j) - sv) * gv).Store(p + j);
        for (; j < v; j++) p[j] = MathF.Exp(p[j] - shift) * scale;
    }

    static float MaxBf16(ushort* p, int v)
    {
        var m = Vector256.Create(float.NegativeInfinity);
        int j = 0;
        for (; j <= v - 16; j += 16)
        {
            var (lo, hi) = LoadBf16(p + j);
            m = Vector256.Max(m, Vector256.Max(lo, hi));
        }
        float max = Horizontal(m, MathF.Max);
        for (; j < v; j++) max = MathF.Max(max, FromBf16(p[j]));
        return max;
    }

    static float SumExpBf16(ushort* p, int v, float max)
    {
        var shift = Vector256.Create(max);
        var s = Vector256<float>.Zero;
        int j = 0;
        for (; j <= v - 16; j += 16)
        {
            var (lo, hi) = LoadBf16(p + j);
            s += Exp(lo - shift) + Exp(hi - shift);
        }
        float sum = Horizontal(s, (a, b) => a + b);
        for (; j < v; j++) sum += MathF.Exp(FromBf16(p[j]) - max);
        return sum;
    }

    static void GradientBf16(ushort* p, int v, float shift, float scale)
    {
        var (sv, gv) = (Vector256.Create(shift), Vector256.Create(scale));
        int j = 0;
        for (; j <= v - 16; j += 16)
        {
            var (lo, hi) = LoadBf16(p + j);
            StoreBf16(p + j, Exp(lo - sv) * gv, Exp(hi - sv) * gv);
        }
        for (; j < v; j++) p[j] = ToBf16(MathF.Exp(FromBf16(p[j]) - shift) * scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector256<float> Lo, Vector256<float> Hi) LoadBf16(ushort* p)
    {
        var raw = Vector256.Load(p);
        return (Vector256.ShiftLeft(Vector256.WidenLower(raw), 16).AsSingle(), Vector256.ShiftLeft(Vector256.WidenUpper(raw), 16).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreBf16(ushort* p, Vector256<float> lo, Vector256<float> hi) => Vector256.Narrow(RoundBf16(lo), RoundBf16(hi)).Store(p);

    /// <summary>The upper 16 bits of each value rounded to nearest-even, in the low half of each lane (NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<uint> RoundBf16(Vector256<float> x)
    {
        var bits = x.AsUInt32();
        var rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x).AsUInt32(), rounded, Vector256.Create(0x7FC0u));
    }

    static float Horizontal(Vector256<float> v, Func<float, float, float> op)
    {
        float r = v[0];
        for (int k = 1; k < Vector256<float>.Count; k++) r = op(r, v[k]);
        return r;
    }

    /// <summary>exp of each lane: Cephes' expf (2ⁿ · a degree-5 polynomial on |r| ≤ ln 2 / 2); 0 below −87.3, NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33654f)), Vector256.Create(88.37626f));
        var n = Vector256.Floor(x * Vector256.Create(1.44269504088896341f) + Vector256.Create(0.5f));
        var r = x - n * Vector256.Create(0.693359375f) + n * Vector256.Create(2.12194440e-4f);
        var y = Vector256.Create(1.9875691500e-4f);
        y = y * r + Vector256.Create(1.3981999507e-3f);
        y = y * r + Vector256.Create(8.3334519073e-3f);
        y = y * r + Vector256.Create(4.1665795894e-2f);
        y = y * r + Vector256.Create(1.6666665459e-1f);
        y = y * r + Vector256.Create(5.0000001201e-1f);
        y = y * (r * r) + r + Vector256<float>.One;
        var pow2n = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return y * pow2n;
    }
}
