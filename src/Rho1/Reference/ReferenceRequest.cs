// What a training run needs its reference to match: the training data (tokenizer, fingerprint), the window
// length, the precision of an online forward, and the device.
using Rho1.Data.Reading;
using static TorchSharp.torch;

namespace Rho1.Reference;

/// <param name="Precision">fp32 or bf16: the online reference computes in the trained model's precision.</param>
public sealed record ReferenceRequest(TokenDataset Dataset, int SeqLen, string Precision, Device Device);
