using ScottPlot;

namespace Mta.Plot;

internal static class Program
{
    private const string Usage = """
        mta-plot: draws messages per second over time from mta-sink series files as a PNG.

        Usage: mta-plot --out FILE.png [--title TEXT] [--width PX] [--height PX] LABEL=SERIES.json...

        Each LABEL=SERIES.json is one line of the plot; SERIES.json is what mta-sink --series
        wrote. Time is counted from each series' first message.

        Example: mta-plot --out throughput.png --title "plaintext" Mta=mta.json Postfix=postfix.json
        """;

    public static int Main(string[] args)
    {
        string? output = null;
        var title = "Messages delivered to the sink per second";
        var (width, height) = (1000, 500);
        var inputs = new List<(string Label, string Path)>();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--help" or "-h":
                        Console.WriteLine(Usage);
                        return 0;
                    case "--out":
                        output = Value();
                        break;
                    case "--title":
                        title = Value();
                        break;
                    case "--width":
                        width = int.TryParse(Value(), out var w) && w is >= 200 and <= 8000 ? w : throw new FormatException("--width must be 200 to 8000");
                        break;
                    case "--height":
                        height = int.TryParse(Value(), out var h) && h is >= 200 and <= 8000 ? h : throw new FormatException("--height must be 200 to 8000");
                        break;
                    case var input when input.IndexOf('=') > 0:
                        inputs.Add((input[..input.IndexOf('=')], input[(input.IndexOf('=') + 1)..]));
                        break;
                    default:
                        throw new FormatException($"unknown argument '{args[i]}' (series are given as LABEL=FILE)");
                }
            }

            if (output is null || inputs.Count == 0)
            {
                throw new FormatException("--out and at least one LABEL=SERIES.json are required");
            }
        }
        catch (FormatException exception)
        {
            Console.Error.WriteLine($"mta-plot: {exception.Message}\nTry 'mta-plot --help'.");
            return 2;
        }

        var plot = new ScottPlot.Plot();
        try
        {
            foreach (var (label, path) in inputs)
            {
                var curve = ThroughputCurve.Parse(label, File.ReadAllText(path));
                var line = plot.Add.Scatter(curve.Seconds, curve.MessagesPerSecond);
                line.LegendText = label;
                line.MarkerSize = 0;
                line.LineWidth = 2;
            }
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mta-plot: {exception.Message}");
            return 1;
        }

        plot.Title(title);
        plot.XLabel("seconds since the first message");
        plot.YLabel("messages per second");
        plot.ShowLegend(Edge.Bottom);
        plot.Axes.SetLimitsY(0, double.NaN);
        plot.SavePng(output, width, height);
        Console.WriteLine($"mta-plot: wrote {output}");
        return 0;
    }
}
