// The unit of work of prepare: a whole text file, or one row group of a Parquet file. Documents are numbered in slice
// order, which is what fixes the train/val split, and `prepare --part I/N` takes a contiguous run of slices.
namespace Rho1.Data.Prepare;

/// <param name="RowGroup">The Parquet row group; -1 for a whole file.</param>
/// <param name="Bytes">Bytes on disk this slice accounts for (a row group's compressed size), for progress and for balancing parts.</param>
internal sealed record InputSlice(InputFile File, int RowGroup, long Bytes)
{
    public override string ToString() => RowGroup < 0 ? File.Path : $"{File.Path} row group {RowGroup}";
}
