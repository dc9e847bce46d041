// The fused CPU cross-entropy rows against libtorch's own ops computed in double: the vector exp against Math.Exp, the
// log-sum-exp and losses, and the in-place gradient (softmax − one-hot) · g, in fp32 and bf16, with row lengths that
// leave a scalar tail, targets in the tail, rows far below zero; a NaN logit gives a NaN loss, an id outside the
// vocabulary is refused before anything is written.
using System.Runtime.Intrinsics;
using Rho1.Model;
using TorchSharp;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Tests.Model;

public class CrossEntropyRowsTests
{
    [SkippableFact]
    public void Vector_exp_is_within_2e7_of_math_exp_and_keeps_nan()
    {
        Skip.IfNot(Vector256.IsHardwareAccelerated, "no 256-bit vectors: libtorch's ops serve instead");
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.01731f)
        {
            float got = CrossEntropyRows.Exp(Vector256.Create(x))[3];
            worst = Math.Max(worst, Math.Abs(got - Math.Exp(x)) / Math.Exp(x));
        }
        Assert.True(worst <= 2e-7, $"relative error {worst:E2}");
        Assert.True(CrossEntropyRows.Exp(Vector256.Create(-200f))[0] < 2e-38f);
        Assert.True(float.IsNaN(CrossEntropyRows.Exp(Vector256.Create(float.NaN))[0]));
    }

    static (Tensor Logits, Tensor Targets, Tensor Grad) Case(ScalarType dtype, long rows = 6, long vocab = 53)
    {
        var g = new Generator(11);
        var logits = (torch.randn([rows, vocab], generator: g) * 4).to(dtype);
        logits[1] = logits[1] - 150; // a row far below zero: exp underflows unless shifted by the max
        var targets = torch.randint(0, vocab, [rows], generator: g);
        targets[0] = vocab - 1; // in the scalar tail of every vector width
        var grad = torch.rand([rows], generator: g) + 0.1;
        return (logits, targets, grad);
    }

    [SkippableTheory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Forward_equals_logsumexp_and_cross_entropy(ScalarType dtype)
    {
        Skip.IfNot(Vector256.IsHardwareAccelerated, "no 256-bit vectors: libtorch's ops serve instead");
        var (logits, targets, _) = Case(dtype);
        var exact = logits.to(ScalarType.Float64);
        var wantLse = exact.logsumexp(1).data<double>().ToArray();
        var wantLoss = nn.functional.cross_entropy(exact, targets, reduction: nn.Reduction.None).data<double>().ToArray();
        var lse = torch.empty(6); var losses = torch.empty(6);
        CrossEntropyRows.Forward(logits, targets, lse, losses);
        var (gotLse, gotLoss) = (lse.data<float>().ToArray(), losses.data<float>().ToArray());
        for (int i = 0; i < 6; i++)
        {
            Assert.True(Math.Abs(gotLse[i] - wantLse[i]) <= 1e-6 * Math.Max(1, Math.Abs(wantLse[i])), $"row {i}: lse {gotLse[i]} vs {wantLse[i]}");
            Assert.True(Math.Abs(gotLoss[i] - wantLoss[i]) <= 2e-5 * Math.Max(1, Math.Abs(wantLse[i])), $"row {i}: loss {gotLoss[i]} vs {wantLoss[i]}");
        }
    }

    [SkippableTheory]
    [InlineData(ScalarType.Float32, 1e-5)]   // the log-sum-exp is held in fp32: its rounding moves every exp by as much
    [InlineData(ScalarType.BFloat16, 1.0 / 128)] // one rounding to bf16's 8-bit mantissa
    public void Gradient_in_place_equals_softmax_minus_one_hot_times_g(ScalarType dtype, double tolerance)
    {
        Skip.IfNot(Vector256.IsHardwareAccelerated, "no 256-bit vectors: libtorch's ops serve instead");
        var (logits, targets, grad) = Case(dtype);
        var exact = logits.to(ScalarType.Float64);
        var want = ((exact.softmax(1) - nn.functional.one_hot(targets, 53).to(ScalarType.Float64)) * grad.to(ScalarType.Float64).unsqueeze(1)).data<double>().ToArray();
        var lse = exact.logsumexp(1).to(ScalarType.Float32);
        CrossEntropyRows.SoftmaxGradientInPlace(logits, targets, lse, grad);
        var got = logits.to(ScalarType.Float64).data<double>().ToArray();
        double scale = want.Max(Math.Abs);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tolerance * Math.Abs(want[i]) + 1e-7 * scale, $"entry {i}: {got[i]} vs {want[i]}");
        Assert.True(got[52] < 0); // row 0's target (in the tail): its softmax minus one
    }

    [SkippableFact]
    public void A_nan_logit_gives_a_nan_loss_and_a_bad_target_is_refused_before_writing()
    {
        Skip.IfNot(Vector256.IsHardwareAccelerated, "no 256-bit vectors: libtorch's ops serve instead");
        var (logits, targets, _) = Case(ScalarType.Float32);
        logits[2, 7] = float.NaN;
        var lse = torch.zeros(6); var losses = torch.zeros(6);
        CrossEntropyRows.Forward(logits, targets, lse, losses);
        Assert.True(float.IsNaN(losses[2].item<float>()));
        Assert.False(float.IsNaN(losses[3].item<float>()));
        targets[4] = 53;
        var before = logits.clone();
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyRows.SoftmaxGradientInPlace(logits, targets, lse, torch.ones(6)));
        Assert.True(before.nan_to_num().eq(logits.nan_to_num()).all().item<bool>(), "logits were written before the check");
    }
}
