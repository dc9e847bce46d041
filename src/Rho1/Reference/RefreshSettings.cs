// How a refreshing reference keeps training: every Every steps of the trained model, Steps AdamW steps on whole
// batches of BatchSize × SeqLen clean windows, at learning rate Lr (0: the rate the reference's own schedule ended
// on, read from its checkpoint), with the trained model's optimizer settings. The run's config supplies them.
namespace Rho1.Reference;

/// <param name="Lr">The refreshes' learning rate; 0 = the reference's final one (its train.lr × min_lr_ratio).</param>
/// <param name="Seed">The run's seed; the clean batches use it mixed with a constant, so that the two streams differ.</param>
public sealed record RefreshSettings(int Every, int Steps, double Lr, int BatchSize, int SeqLen, long Seed,
    double Beta1, double Beta2, double Eps, double WeightDecay, double GradClip);
