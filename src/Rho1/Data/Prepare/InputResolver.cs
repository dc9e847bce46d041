// Expands --input arguments (files, directories searched recursively, globs with *, ? and **) into a sorted,
// duplicate-free list of input files. Sorting by ordinal path is what makes document indices, and so the
// train/val split, independent of the file system's enumeration order.
using System.Text.RegularExpressions;

namespace Rho1.Data.Prepare;

internal static class InputResolver
{
    const string Known = ".txt, .jsonl or .json (optionally .gz)";

    public static IReadOnlyList<InputFile> Resolve(IReadOnlyList<string> inputs)
    {
        if (inputs.Count == 0)
            throw new UserErrorException("no --input given; name at least one file, directory or glob");
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string input in inputs)
        {
            if (input.IndexOfAny(['*', '?']) >= 0)
            {
                var matches = Glob(input).Where(p => InputFile.Detect(p) is not null).ToList();
                if (matches.Count == 0)
                    throw new UserErrorException($"input '{input}' matches no {Known} files");
                paths.UnionWith(matches);
            }
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(p => InputFile.Detect(p) is not null).Select(Path.GetFullPath).ToList();
                if (found.Count == 0)
                    throw new UserErrorException($"input directory '{input}' holds no {Known} files");
                paths.UnionWith(found);
            }
            else if (File.Exists(input))
            {
                if (InputFile.Detect(input) is null)
                    throw new UserErrorException($"input '{input}' has an unknown extension; prepare reads {Known}");
                paths.Add(Path.GetFullPath(input));
            }
            else
            {
                throw new UserErrorException($"input '{input}' does not exist");
            }
        }
        return paths.Select(p =>
        {
            var (format, gzip) = InputFile.Detect(p)!.Value;
            return new InputFile(p, format, gzip, new FileInfo(p).Length);
        }).ToList();
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
