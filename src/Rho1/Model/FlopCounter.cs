// Training FLOPs per token for MFU: 6·N for the matmuls of forward and backward (N excludes the input
// embedding lookup, which is a gather, unless it is tied to the output projection) plus 12·L·NH·HD·T (12·L·C·T when HD = C/NH) for
// attention scores and values (the PaLM appendix convention, as nanoGPT uses).

namespace Rho1.Model;

public static class FlopCounter
{
    public static long MatmulParameters(ModelConfig c, long totalParameters) =>
        c.TiedEmbeddings ? totalParameters : totalParameters - (long)c.VocabSize * c.Dim;

    /// <summary>Forward + backward FLOPs per token at sequence length <paramref name="seqLen"/>.</summary>
    public static double TrainFlopsPerToken(ModelConfig c, long totalParameters, int seqLen) =>
        6.0 * MatmulParameters(c, totalParameters) + 12.0 * c.Layers * c.Heads * c.HeadDim * seqLen;

    /// <summary>Forward-only FLOPs per token (a third of training).</summary>
    public static double ForwardFlopsPerToken(ModelConfig c, long totalParameters, int seqLen) =>
        TrainFlopsPerToken(c, totalParameters, seqLen) / 3.0;
}
