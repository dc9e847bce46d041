// The CLI's one progress renderer: what it draws on a terminal, that it draws nothing when stderr is
// redirected, and prepare's display built on it.
using Rho1.Cli;
using Rho1.Cli.Commands;
using Rho1.Data.Prepare;

namespace Rho1.Cli.Tests;

public class ProgressBarTests
{
    [Fact]
    public void A_terminal_gets_one_redrawn_line_ended_at_completion()
    {
        var error = new StringWriter();
        var bar = new ProgressBar(error, terminal: true);
        bar.Draw(0.5, "half", force: true);
        bar.Draw(1.0, "done", force: true);
        Assert.Equal("\r[############............]  50.0% half" + "\r[########################] 100.0% done" + Environment.NewLine, error.ToString());
    }

    /// <summary>What a terminal shows: each line with carriage returns applied (later text overwrites from column 0).</summary>
    public static string[] Rendered(string output) => output.Split('\n').Select(line =>
    {
        var screen = new System.Text.StringBuilder();
        int column = 0;
        foreach (char c in line)
        {
            if (c == '\r') { column = 0; continue; }
            if (column < screen.Length) screen[column] = c; else screen.Append(c);
            column++;
        }
        return screen.ToString().TrimEnd();
    }).ToArray();

    [Fact]
    public void A_log_line_is_written_above_the_bar_which_is_then_redrawn()
    {
        var error = new StringWriter();
        var bar = new ProgressBar(error, terminal: true);
        bar.Draw(0.5, "step 50/100 ETA 01:14", force: true);
        ProgressBar.WriteAbove(error, "16:56:50 INF step 50: val loss 1.2\n");
        bar.Draw(0.6, "step 60/100 ETA 01:00", force: true);
        bar.Finish();
        Assert.Equal(["16:56:50 INF step 50: val loss 1.2", "[##############..........]  60.0% step 60/100 ETA 01:00", ""], Rendered(error.ToString()));
        // Without a bar, the text is written as it is.
        var plain = new StringWriter();
        ProgressBar.WriteAbove(plain, "a line\n");
        Assert.Equal("a line\n", plain.ToString());
    }

    [Fact]
    public void A_shorter_line_blanks_the_rest_of_the_longer_one()
    {
        var error = new StringWriter();
        var bar = new ProgressBar(error, terminal: true);
        bar.Draw(0.25, "a long description", force: true);
        bar.Draw(0.25, "short", force: true);
        string[] draws = error.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(draws[0].Length, draws[1].Length); // padded to the previous line's width
        Assert.EndsWith("short" + new string(' ', "a long description".Length - "short".Length), draws[1]);
    }

    [Fact]
    public void Redirected_stderr_gets_nothing()
    {
        var error = new StringWriter();
        var bar = new ProgressBar(error, terminal: false);
        bar.Draw(0.5, "half", force: true);
        bar.Finish();
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData(65, "01:05")]
    [InlineData(3599, "59:59")]
    [InlineData(3725, "1:02:05")]
    [InlineData(90061, "25:01:01")]
    public void Eta_is_minutes_and_seconds_then_hours(int seconds, string expected) =>
        Assert.Equal(expected, ProgressBar.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Prepare_progress_shows_bytes_rate_documents_and_eta()
    {
        var error = new StringWriter();
        using (var display = new ProgressDisplay(error, terminal: true))
            display.Report(new PrepareProgress(BytesRead: 2_000_000, BytesTotal: 8_000_000, Documents: 1234, Tokens: 567_890, Elapsed: TimeSpan.FromSeconds(4)));
        // 2 MB in 4 s: 0.50 MB/s, 6 MB left: 12 s.
        Assert.Equal("\r[######..................]  25.0% 2.0/8.0 MB 0.50 MB/s 1,234 docs 567,890 tokens ETA 00:12" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Prepare_reaches_100_percent_only_with_the_final_counts()
    {
        // Input is read ahead of tokenizing: all bytes read at 87 documents, the dataset has 239 (issue 27).
        var error = new StringWriter();
        using (var display = new ProgressDisplay(error, terminal: true))
        {
            display.Report(new PrepareProgress(8_000_000, 8_000_000, 87, 1_050_000, TimeSpan.FromSeconds(4)));
            display.Report(new PrepareProgress(8_000_000, 8_000_000, 239, 2_850_000, TimeSpan.FromSeconds(9), Done: true));
        }
        var lines = Rendered(error.ToString()).Where(l => l.Length > 0).ToList();
        Assert.Equal("[########################] 100.0% 8.0/8.0 MB 0.89 MB/s 239 docs 2,850,000 tokens", Assert.Single(lines));
        Assert.DoesNotContain("100.0% 8.0/8.0 MB 2.00 MB/s 87 docs", error.ToString());
    }
}
