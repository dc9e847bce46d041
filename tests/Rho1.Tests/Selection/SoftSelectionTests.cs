// Soft selection and ratio schedules as pure math: weights against a closed form and against the hard mask
// they tend to, the loss scale and gradient sum they share with hard top-k, and schedule values at given steps.
using Rho1.Selection;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Selection;

public class SoftSelectionTests
{
    [Fact]
    public void Weights_are_a_sigmoid_around_the_cutoff_in_units_of_the_scores_spread()
    {
        var scores = torch.tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 4);
        float std = (float)Math.Sqrt((1.5 * 1.5 * 2 + 0.5 * 0.5 * 2) / 3); // unbiased, as torch.std
        var weights = SoftSelection.Weights(scores, torch.tensor(2f), temperature: 0.5).data<float>().ToArray();
        for (int i = 0; i < 4; i++)
            Assert.Equal(1 / (1 + Math.Exp(-(i - 2) / (0.5 * std))), weights[i], 5);
        Assert.Equal(0.5f, weights[2]); // the cutoff itself
    }

    [Fact]
    public void A_small_temperature_gives_the_hard_top_k_mask()
    {
        var scores = torch.randperm(48, generator: new Generator(3)).to(ScalarType.Float32).reshape(4, 12); // no ties
        var hard = TokenSelector.TopOfBatch(scores, 0.4);
        // Weights below 0.5 are exactly the unselected tokens; the k-th value itself sits at 0.5 and rounds to kept.
        var soft = SoftSelection.Weights(scores, TokenSelector.Cutoff(scores, 0.4), temperature: 1e-3).ge(0.5).to(ScalarType.Float32);
        Assert.Equal(hard.data<float>().ToArray(), soft.data<float>().ToArray());
        var rows = SoftSelection.Weights(scores, SoftSelection.RowCutoffs(scores, 0.5), 1e-3).ge(0.5).to(ScalarType.Float32);
        Assert.Equal(TokenSelector.TopOfEachSequence(scores, 0.5).data<float>().ToArray(), rows.data<float>().ToArray());
    }

    [Fact]
    public void The_weighted_mean_has_hard_top_k_s_loss_scale_and_gradient_sum()
    {
        var scores = torch.rand([3, 10], generator: new Generator(5));
        var weights = SoftSelection.Weights(scores, TokenSelector.Cutoff(scores, 0.6), 0.5);
        // Equal losses: the weighted mean is that loss, as the masked mean is.
        Assert.Equal(2.5f, TokenSelector.MaskedMean(torch.full(3, 10, 2.5f), weights).item<float>(), 5);
        // d(loss)/d(l_i) = w_i / Σw: the gradients sum to 1, as hard top-k's 1/K over K kept tokens do.
        var losses = torch.rand([3, 10], generator: new Generator(6)).requires_grad_(true);
        TokenSelector.MaskedMean(losses, weights).backward();
        Assert.Equal(1f, losses.grad!.sum().item<float>(), 5);
        Assert.True(torch.allclose(losses.grad!, weights / weights.sum(), rtol: 1e-5, atol: 1e-7));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftSelection.Weights(scores, torch.tensor(0f), 0));
    }

    [Theory]
    [InlineData(RatioScheduleKind.Constant, 0, 1.0, 0.6, 0.6)]
    [InlineData(RatioScheduleKind.Linear, 10, 1.0, 0.6, 1.0)]    // first selecting step: the start
    [InlineData(RatioScheduleKind.Linear, 60, 1.0, 0.6, 0.8)]    // half way from step 10 to step 110
    [InlineData(RatioScheduleKind.Linear, 110, 1.0, 0.6, 0.6)]   // last step: the final ratio
    [InlineData(RatioScheduleKind.Linear, 3, 1.0, 0.6, 1.0)]     // before slm_start: held at the start
    [InlineData(RatioScheduleKind.Cosine, 60, 1.0, 0.6, 0.8)]    // half a cosine is also half way at the middle
    [InlineData(RatioScheduleKind.Cosine, 35, 1.0, 0.6, 0.94142135623730951)] // 1 − 0.4·(1 − cos(π/4))/2
    [InlineData(RatioScheduleKind.Linear, 60, 0.4, 0.8, 0.6)]    // the reverse: from few tokens to more
    public void Schedules_take_their_values_at_given_steps(RatioScheduleKind kind, int step, double from, double to, double expected) =>
        Assert.Equal(expected, RatioSchedule.At(kind, step, startStep: 10, totalSteps: 111, from, to), 12);
}
