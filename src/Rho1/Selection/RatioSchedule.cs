// The selection ratio k as a function of the step: constant (the paper), or moving from a starting ratio at
// the first selecting step to the final ratio at the last step, linearly or along a half cosine. Pure.
namespace Rho1.Selection;

public enum RatioScheduleKind { Constant, Linear, Cosine }

public static class RatioSchedule
{
    /// <summary>
    /// k at <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>, selecting from <paramref name="startStep"/> on:
    /// <paramref name="from"/> there, <paramref name="to"/> at the last step; <paramref name="to"/> throughout when constant.
    /// </summary>
    public static double At(RatioScheduleKind kind, int step, int startStep, int totalSteps, double from, double to)
    {
        if (kind == RatioScheduleKind.Constant) return to;
        int span = totalSteps - 1 - startStep;
        double t = span <= 0 ? 1 : Math.Clamp((double)(step - startStep) / span, 0, 1);
        double progress = kind == RatioScheduleKind.Linear ? t : (1 - Math.Cos(Math.PI * t)) / 2;
        return from + (to - from) * progress;
    }
}
