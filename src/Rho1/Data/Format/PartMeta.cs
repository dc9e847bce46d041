// meta.json's "part" section: which slice of the input a dataset prepared with `prepare --part I/N` holds, so that
// `rho1 merge-datasets` can check that its parts fit together (same inputs, adjacent slices, documents numbered on).
using System.Text.Json.Serialization;

namespace Rho1.Data.Format;

/// <param name="Index">I of I/N, from 1.</param>
/// <param name="Count">N.</param>
/// <param name="FirstSlice">First input slice (a text file or a Parquet row group, in sorted-path order) of this part.</param>
/// <param name="EndSlice">One past its last slice.</param>
/// <param name="Slices">Slices of the whole input.</param>
/// <param name="FirstDocument">Index of this part's first document in the whole input (what fixes its train/val split).</param>
/// <param name="Documents">Documents in this part (train and val).</param>
/// <param name="Inputs">SHA-256 over the whole input's file names, sizes and slice count: parts of one input agree on it.</param>
public sealed record PartMeta(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("first_slice")] int FirstSlice,
    [property: JsonPropertyName("end_slice")] int EndSlice,
    [property: JsonPropertyName("slices")] int Slices,
    [property: JsonPropertyName("first_document")] long FirstDocument,
    [property: JsonPropertyName("documents")] long Documents,
    [property: JsonPropertyName("inputs")] string Inputs);
