// Line charts as PNG files (ScottPlot): labelled axes, a title, a legend and optional shaded bands. Used by
// sweep and analyze.

namespace Rho1.Evaluation.Reports;

public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>A shaded band from Low to High around the line (e.g. mean ± standard error over seeds); none when null.</summary>
    public IReadOnlyList<double>? Low { get; init; }
    public IReadOnlyList<double>? High { get; init; }
}

public static class LinePlot
{
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<PlotSeries> series, bool legendOutside = false, int width = 900, int height = 560)
    {
        var plot = new ScottPlot.Plot();
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.X.ToArray(), s.Y.ToArray());
            line.LegendText = s.Label;
            line.LineWidth = 2;
            line.MarkerSize = 5;
            if (s.Low is { } low && s.High is { } high)
            {
                var band = plot.Add.FillY(s.X.ToArray(), low.ToArray(), high.ToArray());
                band.FillColor = line.Color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (legendOutside)
            plot.ShowLegend(ScottPlot.Edge.Right);
        else
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, width, height);
        File.Move(tmp, path, overwrite: true);
    }
}
