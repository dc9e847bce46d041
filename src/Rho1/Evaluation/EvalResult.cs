// Held-out evaluation figures. Bits per byte divide by the UTF-8 bytes of source text the tokens came
// from, so models with different tokenizers can be compared.
using System.Text.Json.Serialization;

namespace Rho1.Evaluation;

public sealed record EvalResult(
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("perplexity")] double Perplexity,
    [property: JsonPropertyName("bits_per_byte")] double BitsPerByte,
    [property: JsonPropertyName("tokens")] long Tokens);
