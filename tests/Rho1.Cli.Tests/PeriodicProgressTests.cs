// A long verb with stderr redirected is never silent: a line with done/total, rate and ETA at most every period,
// and always at the end; on a terminal the bar draws instead and no line is logged.
namespace Rho1.Cli.Tests;

public class PeriodicProgressTests
{
    [Fact]
    public void Redirected_it_logs_at_most_once_a_period_and_at_the_end()
    {
        var lines = new List<string>();
        var quiet = new PeriodicProgress("score", "windows", new StringWriter(), terminal: false, log: lines.Add, every: TimeSpan.FromHours(1));
        quiet.Report(1, 100);
        quiet.Report(50, 100);
        quiet.Report(100, 100);
        Assert.Equal(2, lines.Count); // the first report, then the period had not passed until the end
        Assert.StartsWith("score: 1/100 windows (1.0%), ", lines[0]);
        Assert.StartsWith("score: 100/100 windows (100.0%), ", lines[1]);
        Assert.Matches(@"windows/s, ETA \d\d:\d\d$", lines[1]);

        var every = new List<string>();
        var chatty = new PeriodicProgress("eval", "windows", new StringWriter(), terminal: false, log: every.Add, every: TimeSpan.Zero);
        for (int i = 1; i <= 5; i++) chatty.Report(i, 5);
        Assert.Equal(5, every.Count);
    }

    [Fact]
    public void On_a_terminal_it_draws_the_bar_and_logs_nothing()
    {
        var lines = new List<string>();
        var screen = new StringWriter();
        var p = new PeriodicProgress("score", "windows", screen, terminal: true, log: lines.Add);
        p.Report(5, 10);
        p.Report(10, 10);
        Assert.Empty(lines);
        Assert.Contains("10/10 windows", screen.ToString());
        Assert.EndsWith(Environment.NewLine, screen.ToString()); // the finished bar ends its line
    }
}
