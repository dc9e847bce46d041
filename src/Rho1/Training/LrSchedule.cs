// Learning rate as a pure function of the step: linear warm-up, then cosine decay, warmup-stable-decay
// (constant, then a linear decay over the last decay_fraction of steps) or constant. Steps count from 0.
using Rho1.Training.Configuration;

namespace Rho1.Training;

public static class LrSchedule
{
    public static double At(int step, TrainConfig c)
    {
        double max = c.Lr, min = c.Lr * c.MinLrRatio;
        if (step < c.WarmupSteps)
            return max * (step + 1) / c.WarmupSteps;
        switch (c.Schedule)
        {
            case "constant":
                return max;
            case "wsd":
            {
                int decaySteps = Math.Max(1, (int)Math.Round(c.Steps * c.DecayFraction));
                int decayStart = Math.Max(c.WarmupSteps, c.Steps - decaySteps);
                if (step < decayStart)
                    return max;
                double progress = Math.Min(1.0, (double)(step - decayStart) / Math.Max(1, c.Steps - 1 - decayStart));
                return max + (min - max) * progress;
            }
            default:
            {
                int span = Math.Max(1, c.Steps - 1 - c.WarmupSteps);
                double progress = Math.Min(1.0, (double)(step - c.WarmupSteps) / span);
                return min + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (max - min);
            }
        }
    }
}
