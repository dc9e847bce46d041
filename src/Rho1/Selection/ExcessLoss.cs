// The Rho-1 score: excess loss = loss under the model being trained − loss under the reference model, per
// token. High excess loss marks a token the reference finds learnable and the model has not learned yet.
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class ExcessLoss
{
    /// <summary>L_train − L_ref, elementwise; both (B, T) fp32, the result without gradient if the inputs have none.</summary>
    public static Tensor Of(Tensor trainLosses, Tensor refLosses) => trainLosses - refLosses;
}
