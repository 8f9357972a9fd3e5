using System.Globalization;
using System.Text.Json;

namespace Mta.LoadGen;

/// <summary>Writes a <see cref="RunResult"/> as a table for people and as JSON for scripts.</summary>
internal static class Report
{
    public static void WriteText(RunResult result, TextWriter output)
    {
        var options = result.Options;
        var mode = options.Rate is { } rate ? Invariant($"open loop at {rate:0.##} msgs/s") : "closed loop";
        var limit = options.Duration is { } duration ? Invariant($"{duration.TotalSeconds:0.###} s") : Invariant($"{options.Messages} messages");
        output.WriteLine(Invariant($"mta-loadgen {options.Host}:{options.Port}: {options.Sessions} sessions, {mode}, {limit}, {options.Size} byte body, {options.Recipients} recipient(s)"));
        output.WriteLine(Invariant($"  connections          {(options.Reuse ? "reused" : "one per message")}, pipelining {PipeliningText(result)}"));
        output.WriteLine(Invariant($"  elapsed              {result.Elapsed.TotalSeconds:0.000} s"));
        output.WriteLine(result.SteadyState
            ? Invariant($"  steady-state window  {result.Window.TotalSeconds:0.000} s (after {options.Warmup.TotalSeconds:0.###} s warm-up)")
            : Invariant($"  steady-state window  none: nothing accepted after the {options.Warmup.TotalSeconds:0.###} s warm-up; figures cover the whole run ({result.Window.TotalSeconds:0.000} s)"));
        output.WriteLine(Invariant($"  attempted            {result.Attempted}"));
        output.WriteLine(Invariant($"  accepted             {result.Accepted} ({result.AcceptedInWindow} in the window, {result.AcceptedRecipients} recipients)"));
        output.WriteLine(Invariant($"  accepted msgs/s      {result.AcceptedPerSecond:0.0}"));
        if (result.OpenLoop is { } openLoop)
        {
            output.WriteLine(Invariant($"  offered / backlog    {openLoop.Offered} / {openLoop.Backlog} never started"));
        }

        output.WriteLine(result.Errors.Count == 0
            ? "  errors               none"
            : "  errors               " + string.Join(", ", result.Errors.Select(error => Invariant($"{error.Key}: {error.Value.Count}"))));
        foreach (var (key, tally) in result.Errors.Where(error => error.Value.Sample is not null))
        {
            output.WriteLine(Invariant($"    {key,-18} e.g. {tally.Sample}"));
        }

        var latency = result.Latency;
        output.WriteLine(Invariant($"  latency ms           p50 {latency.P50:0.000}  p90 {latency.P90:0.000}  p99 {latency.P99:0.000}  max {latency.Max:0.000}  (final \".\" to 250, n = {latency.Count})"));
        if (result.Maildir is { } maildir)
        {
            output.WriteLine(Invariant($"  delivered            {maildir.Delivered} files ({(maildir.Drained ? "all" : "not all")} accepted recipients, {maildir.DrainTime.TotalSeconds:0.00} s after sending stopped)"));
            output.WriteLine(Invariant($"  delivered msgs/s     {maildir.DeliveredPerSecond:0.0}"));
            output.WriteLine(Invariant($"  delivered/accepted   {maildir.DeliveredToAcceptedRatio:0.0000}"));
        }

        if (result.Interrupted)
        {
            output.WriteLine("  (interrupted)");
        }
    }

    public static void WriteJson(RunResult result, Stream destination)
    {
        var options = result.Options;
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("host", options.Host);
        json.WriteNumber("port", options.Port);
        json.WriteNumber("sessions", options.Sessions);
        json.WriteString("mode", options.Rate is null ? "closed" : "open");
        WriteNullableNumber(json, "rate", options.Rate);
        WriteNullableNumber(json, "messages_requested", options.Duration is null ? options.Messages : null);
        WriteNullableNumber(json, "duration_s", options.Duration?.TotalSeconds);
        json.WriteNumber("size", options.Size);
        json.WriteNumber("recipients", options.Recipients);
        json.WriteBoolean("reuse", options.Reuse);
        json.WriteBoolean("pipelining_requested", options.Pipelining);
        if (result.ServerAdvertisedPipelining is { } advertised)
        {
            json.WriteBoolean("pipelining_advertised", advertised);
        }
        else
        {
            json.WriteNull("pipelining_advertised");
        }

        json.WriteNumber("warmup_s", options.Warmup.TotalSeconds);
        json.WriteNumber("elapsed_s", result.Elapsed.TotalSeconds);
        json.WriteBoolean("steady_state", result.SteadyState);
        json.WriteNumber("window_s", result.Window.TotalSeconds);
        json.WriteNumber("attempted", result.Attempted);
        json.WriteNumber("accepted_total", result.Accepted);
        json.WriteNumber("accepted_in_window", result.AcceptedInWindow);
        json.WriteNumber("accepted_recipients", result.AcceptedRecipients);
        json.WriteNumber("accepted_per_s", Math.Round(result.AcceptedPerSecond, 3));
        if (result.OpenLoop is { } openLoop)
        {
            json.WriteNumber("offered", openLoop.Offered);
            json.WriteNumber("backlog", openLoop.Backlog);
        }

        json.WriteStartObject("errors");
        foreach (var (key, tally) in result.Errors)
        {
            json.WriteNumber(key, tally.Count);
        }

        json.WriteEndObject();
        json.WriteStartObject("latency_ms");
        json.WriteNumber("count", result.Latency.Count);
        json.WriteNumber("p50", result.Latency.P50);
        json.WriteNumber("p90", result.Latency.P90);
        json.WriteNumber("p99", result.Latency.P99);
        json.WriteNumber("max", result.Latency.Max);
        json.WriteEndObject();
        if (result.Maildir is { } maildir)
        {
            json.WriteStartObject("maildir");
            json.WriteNumber("delivered", maildir.Delivered);
            json.WriteNumber("delivered_per_s", Math.Round(maildir.DeliveredPerSecond, 3));
            json.WriteNumber("delivered_accepted_ratio", Math.Round(maildir.DeliveredToAcceptedRatio, 6));
            json.WriteBoolean("drained", maildir.Drained);
            json.WriteNumber("drain_s", maildir.DrainTime.TotalSeconds);
            json.WriteEndObject();
        }

        if (result.FatalError is not null)
        {
            json.WriteString("fatal_error", result.FatalError);
        }

        json.WriteBoolean("interrupted", result.Interrupted);
        json.WriteEndObject();
    }

    private static string PipeliningText(RunResult result) => (result.Options.Pipelining, result.ServerAdvertisedPipelining) switch
    {
        (false, _) => "off (--no-pipelining)",
        (true, true) => "on (server advertises PIPELINING)",
        (true, false) => "off (server does not advertise PIPELINING)",
        (true, null) => "unknown (no EHLO succeeded)",
    };

    private static void WriteNullableNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
