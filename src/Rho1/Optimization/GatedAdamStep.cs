// One AdamW update gated on the device (a non-finite step skipped without a host read): the step count lives on the
// device (fp64), and every factor of the update is a device tensor scaled by the 0/1 gate k, so a skipped update
// (k = 0) leaves weights, moments and the count as they were. Its numbers are held as Scalars for the whole update
// (HeldScalars.cs explains why). Used by AdamW on each block of the values it owns.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Optimization;

internal sealed class GatedAdamStep : IDisposable
{
    readonly DisposeScope _scope;
    readonly Scalar _one, _oneMinusBeta1, _oneMinusBeta2, _lrTimesDecay, _eps, _minusLr;
    readonly Tensor _apply, _zero, _stepSize, _invSqrtBc2, _keepM, _keepV, _decayFactor, _k1, _k2;
    readonly bool _decays;

    /// <param name="apply">0-dim bool on the device: whether this update happens.</param>
    /// <param name="deviceStep">The device's update count (fp64), advanced here by the gate.</param>
    public GatedAdamStep(Tensor apply, Tensor deviceStep, double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        _scope = torch.NewDisposeScope();
        (_one, _oneMinusBeta1, _oneMinusBeta2) = (1.0.ToScalar(), (1 - beta1).ToScalar(), (1 - beta2).ToScalar());
        (_lrTimesDecay, _eps, _minusLr) = ((lr * weightDecay).ToScalar(), eps.ToScalar(), (-lr).ToScalar());
        _decays = weightDecay > 0;
        _apply = apply;
        var k64 = apply.to(ScalarType.Float64);
        deviceStep.add_(k64, HeldScalars.One);
        // Bias corrections from the device count; a count of 0 (nothing applied yet) only meets k = 0 below.
        var bc1 = BiasCorrection(beta1, deviceStep);
        var bc2 = BiasCorrection(beta2, deviceStep);
        var k = apply.to(ScalarType.Float32);
        _stepSize = k64.mul(_minusLr).div_(bc1).to(ScalarType.Float32);
        _invSqrtBc2 = bc2.rsqrt().to(ScalarType.Float32);
        _keepM = k.mul(_oneMinusBeta1).neg_().add_(_one);
        _keepV = k.mul(_oneMinusBeta2).neg_().add_(_one);
        _decayFactor = k.mul(_lrTimesDecay).neg_().add_(_one);
        _zero = torch.zeros(1, device: apply.device);
        (_k1, _k2) = (k.mul(_oneMinusBeta1), k.mul(_oneMinusBeta2));
    }

    /// <summary>1 − β^step on the device (β = 0: 1), kept away from 0 for a step count of 0, which only meets a skipped update.</summary>
    static Tensor BiasCorrection(double beta, Tensor step)
    {
        if (beta == 0) return torch.ones_like(step);
        using Scalar logBeta = Math.Log(beta).ToScalar(), one = 1.0.ToScalar(), tiny = 1e-30.ToScalar(); // 1e-30: its inverse root still fits fp32
        return step.mul(logBeta).exp_().neg_().add_(one).clamp_min_(tiny);
    }

    /// <summary>Updates one block: weights <paramref name="p"/>, moments <paramref name="m"/> and <paramref name="v"/> from <paramref name="grad"/>.</summary>
    public void Apply(Tensor p, Tensor grad, Tensor m, Tensor v, bool decay)
    {
        using var perBlock = torch.NewDisposeScope(); // one block's temporaries at a time, however large the model
        using var noGrad = torch.no_grad();
        var g = torch.where(_apply, grad, _zero); // a NaN gradient must not reach the moments even times zero
        if (decay && _decays)
            p.mul_(_decayFactor);
        m.mul_(_keepM).add_(g * _k1, HeldScalars.One);
        v.mul_(_keepV).add_(g.mul(g).mul_(_k2), HeldScalars.One);
        var denom = v.sqrt().mul_(_invSqrtBc2).add_(_eps, _one);
        p.add_(m.div(denom).mul_(_stepSize), HeldScalars.One);
        foreach (var t in new[] { p, grad, m, v }) t.Dispose(); // views made for this block
    }

    public void Dispose()
    {
        _scope.Dispose();
        foreach (var s in new[] { _one, _oneMinusBeta1, _oneMinusBeta2, _lrTimesDecay, _eps, _minusLr }) s.Dispose();
    }
}
