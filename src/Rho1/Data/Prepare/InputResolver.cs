// Expands --input arguments (files, directories searched recursively, globs with *, ? and **) into a sorted,
// duplicate-free list of input files, then into slices (a text file, or a Parquet row group). Sorting by ordinal path
// is what makes document indices, and so the train/val split, independent of the file system's enumeration order.
// A directory or glob that also holds files prepare cannot read is refused, naming them, unless --skip-unknown (then
// each is named in a warning): a folder of .jsonl and .parquet must not quietly become a dataset of the .jsonl alone.
using System.Text.RegularExpressions;
using Parquet;
using Serilog;

namespace Rho1.Data.Prepare;

internal static class InputResolver
{
    public static IReadOnlyList<InputFile> Resolve(IReadOnlyList<string> inputs, bool skipUnknown = false)
    {
        if (inputs.Count == 0)
            throw new UserErrorException("no --input given; name at least one file, directory or glob");
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string input in inputs)
        {
            if (input.IndexOfAny(['*', '?']) >= 0 || Directory.Exists(input))
            {
                bool glob = !Directory.Exists(input);
                var all = (glob ? Glob(input) : Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)).Select(Path.GetFullPath).ToList();
                var known = all.Where(p => InputFile.Detect(p) is not null).ToList();
                if (known.Count == 0)
                    throw new UserErrorException(glob ? $"input '{input}' matches no {InputFile.Known} files" : $"input directory '{input}' holds no {InputFile.Known} files");
                paths.UnionWith(known);
                unknown.UnionWith(all.Where(p => InputFile.Detect(p) is null));
            }
            else if (File.Exists(input))
            {
                if (InputFile.Detect(input) is null)
                    throw new UserErrorException($"input '{input}' has an unknown extension; prepare reads {InputFile.Known}");
                paths.Add(Path.GetFullPath(input));
            }
            else
            {
                throw new UserErrorException($"input '{input}' does not exist");
            }
        }
        if (unknown.Count > 0)
        {
            string list = string.Join(", ", unknown.Take(5)) + (unknown.Count > 5 ? $" and {unknown.Count - 5} more" : "");
            if (!skipUnknown)
                throw new UserErrorException($"{unknown.Count} input file(s) are not a format prepare reads ({InputFile.Known}): {list}; " +
                    "remove them, or pass --skip-unknown to leave them out");
            foreach (string path in unknown)
                Log.Warning("skipping {Path}: not a format prepare reads", path);
            Log.Warning("skipped {Count} input file(s) of unknown format (--skip-unknown)", unknown.Count);
        }
        return paths.Select(p =>
        {
            var (format, compression) = InputFile.Detect(p)!.Value;
            return new InputFile(p, format, compression, new FileInfo(p).Length);
        }).ToList();
    }

    /// <summary>The files as slices, in order: one per text file, one per row group of a Parquet file (read from its footer).</summary>
    public static IReadOnlyList<InputSlice> Slices(IReadOnlyList<InputFile> files)
    {
        var slices = new List<InputSlice>();
        foreach (var file in files)
        {
            if (file.Format != InputFormat.Parquet)
            {
                slices.Add(new InputSlice(file, -1, file.Bytes));
                continue;
            }
            var groups = ParquetText.Open(file.Path, reader => reader.Metadata!.RowGroups.Select(g => g.TotalCompressedSize ?? g.TotalByteSize).ToList());
            for (int i = 0; i < groups.Count; i++)
                slices.Add(new InputSlice(file, i, groups[i]));
        }
        return slices;
    }

    static IEnumerable<string> Glob(string pattern)
    {
        string full = Path.GetFullPath(pattern);
        int wild = full.IndexOfAny(['*', '?']);
        string root = full[..(full.LastIndexOf('/', wild) + 1)];
        if (!Directory.Exists(root))
            return [];
        // '**' crosses directories, '*' and '?' stay within one path segment.
        string regex = "^" + Regex.Escape(full[root.Length..])
            .Replace(@"\*\*/", "(.*/)?").Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$";
        var match = new Regex(regex, RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(p => match.IsMatch(p[root.Length..]));
    }
}
