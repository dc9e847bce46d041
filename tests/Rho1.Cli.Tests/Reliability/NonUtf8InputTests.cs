// Non-UTF-8 input to `prepare` is deliberately a warning, not a bad-input error: web corpora carry stray bytes,
// and refusing a large corpus for one of them would cost more than it saves. Each invalid sequence becomes
// U+FFFD, the first file with one is named, the total is reported and recorded in meta.json; exit 0.
using System.Text;
using System.Text.Json.Nodes;
using Rho1.Data.Reading;

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class NonUtf8InputTests(ReliabilityWorkspace w)
{
    [Fact]
    public void Latin1_text_is_prepared_with_replacement_characters_and_warns_naming_the_file()
    {
        string input = w.NewRun("latin1") + ".txt", output = w.NewRun("latin1-data");
        Directory.CreateDirectory(Path.GetDirectoryName(input)!);
        File.WriteAllBytes(input, Encoding.Latin1.GetBytes("café crème brûlée\nplain line\n")); // é, è, û, é: 4 invalid bytes
        var r = CliRunner.Run("prepare", "-i", input, "-o", output, "-t", "bytes", "--val-fraction", "0", "--quiet");

        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, r.Stderr);
        Assert.Contains($"WRN {input}: invalid UTF-8 replaced by U+FFFD", lines[0]);
        Assert.Contains("WRN Replaced 4 invalid UTF-8 sequences by U+FFFD in total", lines[1]);
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(Path.Combine(output, "meta.json")))!["invalid_utf8_replaced"]!.GetValue<long>());

        // Reference: the UTF-8 bytes of the text with each invalid byte replaced by U+FFFD, then EOS (256).
        long[] expected = [.. Encoding.UTF8.GetBytes("caf\uFFFD cr\uFFFDme br\uFFFDl\uFFFDe\nplain line\n").Select(b => (long)b), 256];
        using var dataset = TokenDataset.OpenVerified(output);
        var tokens = new long[dataset.Split("train").Length];
        dataset.Split("train").Read(0, tokens);
        Assert.Equal(expected, tokens);
    }
}
