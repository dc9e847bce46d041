// The trajectory classification against hand-computed slopes, and sweep/analyze end to end on generated data.
using Rho1.Evaluation.Dynamics;

namespace Rho1.Tests.Evaluation.Dynamics;

public class TokenDynamicsTests
{
    [Fact]
    public void Slopes_over_normalised_progress_decide_the_category()
    {
        // Four checkpoints at steps 100..400 (x = 0, 1/3, 2/3, 1). Token columns:
        // 0: 3.0 -> 1.0 linearly (ΔL = -2, H->L); 1: 0.5 -> 1.5 (ΔL = +1, L->H);
        // 2: flat 0.2 (low, L->L); 3: flat 4.0 (high, H->H); 4: ΔL = -0.15 only, final 3.85 (H->H, not H->L).
        var losses = new List<float[]>
        {
            new float[] { 3.0f, 0.5f, 0.2f, 4.0f, 4.0f },
            new float[] { 2.333333f, 0.833333f, 0.2f, 4.0f, 3.95f },
            new float[] { 1.666667f, 1.166667f, 0.2f, 4.0f, 3.9f },
            new float[] { 1.0f, 1.5f, 0.2f, 4.0f, 3.85f },
        };
        var c = TokenDynamics.Classify(losses, new double[] { 100, 200, 300, 400 });
        Assert.Equal(new[] { TokenCategory.HighToLow, TokenCategory.LowToHigh, TokenCategory.LowToLow, TokenCategory.HighToHigh, TokenCategory.HighToHigh }, c);
    }

    [Fact]
    public void Noisy_trajectories_use_the_least_squares_slope()
    {
        // y = 1, 0.5, 1, 0.5 at x = 0, 1/3, 2/3, 1: Sxy = -1/6, Sxx = 5/9, so the slope is -0.3 (< -0.2).
        var losses = new[] { 1f, 0.5f, 1f, 0.5f }.Select(v => new[] { v, 2f }).ToList();
        var c = TokenDynamics.Classify(losses, new double[] { 0, 1, 2, 3 });
        Assert.Equal(TokenCategory.HighToLow, c[0]);
        Assert.Equal(TokenCategory.HighToHigh, c[1]);
    }

    [Fact]
    public void One_checkpoint_is_refused() =>
        Assert.Throws<UserErrorException>(() => TokenDynamics.Classify(new List<float[]> { new float[] { 1 } }, new double[] { 0 }));
}
