using Mta.Admin;
using Xunit;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>The text exposition format 0.0.4 as <see cref="PrometheusText"/> writes it, byte for byte.</summary>
public sealed class PrometheusTextTests
{
    private static readonly KeyValuePair<string, string>[] NoLabels = [];

    [Theory]
    [InlineData("mta_messages_accepted", MetricType.Counter, "mta_messages_accepted_total")]
    [InlineData("mta_requests_total", MetricType.Counter, "mta_requests_total")]
    [InlineData("mta_smtpd_sessions_open", MetricType.Gauge, "mta_smtpd_sessions_open")]
    [InlineData("mta_queue_commit_batch_size", MetricType.Histogram, "mta_queue_commit_batch_size")]
    [InlineData("mta.delivery-attempts", MetricType.Counter, "mta_delivery_attempts_total")]
    [InlineData("http.server.request.duration", MetricType.Histogram, "http_server_request_duration")]
    [InlineData("2xx_replies", MetricType.Gauge, "_2xx_replies")]
    [InlineData("ns:rate", MetricType.Gauge, "ns:rate")]
    [InlineData("Größe", MetricType.Gauge, "Gr__e")]
    public void Family_names_are_valid_prometheus_names_and_counters_end_in_total(string instrument, MetricType type, string expected)
    {
        Assert.Equal(expected, PrometheusText.FamilyName(instrument, type));
    }

    [Theory]
    [InlineData("status", "status")]
    [InlineData("server.address", "server_address")]
    [InlineData("ns:label", "ns_label")]
    [InlineData("1st", "_1st")]
    public void Label_names_allow_no_colon_and_no_leading_digit(string tag, string expected)
    {
        Assert.Equal(expected, PrometheusText.LabelName(tag));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(3.0, "3")]
    [InlineData(2.5, "2.5")]
    [InlineData(0.005, "0.005")]
    [InlineData(-1.25, "-1.25")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_use_the_invariant_shortest_form_and_the_format_s_infinity_and_nan(double value, string expected)
    {
        Assert.Equal(expected, PrometheusText.FormatValue(value));
    }

    [Fact]
    public void A_counter_and_a_gauge_are_written_with_help_type_and_one_line_per_series()
    {
        MetricFamily[] families =
        [
            new("mta_delivery_attempts_total", "Delivery attempts by outcome", MetricType.Counter,
            [
                new ValuePoint([new("relay", "local"), new("status", "sent")], 12),
                new ValuePoint([new("relay", "smtp"), new("status", "deferred")], 3),
            ]),
            new("mta_smtpd_sessions_open", "SMTP sessions open", MetricType.Gauge, [new ValuePoint(NoLabels, 7)]),
        ];

        Assert.Equal(
            """
            # HELP mta_delivery_attempts_total Delivery attempts by outcome
            # TYPE mta_delivery_attempts_total counter
            mta_delivery_attempts_total{relay="local",status="sent"} 12
            mta_delivery_attempts_total{relay="smtp",status="deferred"} 3
            # HELP mta_smtpd_sessions_open SMTP sessions open
            # TYPE mta_smtpd_sessions_open gauge
            mta_smtpd_sessions_open 7

            """.ReplaceLineEndings("\n"),
            PrometheusText.Format(families));
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_ending_in_inf_then_sum_and_count()
    {
        MetricFamily[] families =
        [
            new("mta_queue_commit_batch_size", "Messages made durable by one group commit", MetricType.Histogram,
            [
                new HistogramPoint([new("node", "a")], [1, 2, 4], [3, 0, 2, 1], 21),
            ]),
        ];

        Assert.Equal(
            """
            # HELP mta_queue_commit_batch_size Messages made durable by one group commit
            # TYPE mta_queue_commit_batch_size histogram
            mta_queue_commit_batch_size_bucket{node="a",le="1"} 3
            mta_queue_commit_batch_size_bucket{node="a",le="2"} 3
            mta_queue_commit_batch_size_bucket{node="a",le="4"} 5
            mta_queue_commit_batch_size_bucket{node="a",le="+Inf"} 6
            mta_queue_commit_batch_size_sum{node="a"} 21
            mta_queue_commit_batch_size_count{node="a"} 6

            """.ReplaceLineEndings("\n"),
            PrometheusText.Format(families));
    }

    [Fact]
    public void A_family_without_series_still_declares_its_type_and_one_without_help_has_no_help_line()
    {
        MetricFamily[] families = [new("mta_messages_rejected_total", "", MetricType.Counter, [])];

        Assert.Equal("# TYPE mta_messages_rejected_total counter\n", PrometheusText.Format(families));
    }

    [Theory]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("a \"quoted\" word", "a \\\"quoted\\\" word")]
    [InlineData("two\nlines", "two\\nlines")]
    [InlineData("plain, with = and } and {", "plain, with = and } and {")]
    public void Label_values_escape_backslash_quote_and_line_feed(string value, string escaped)
    {
        MetricFamily[] families = [new("g", "", MetricType.Gauge, [new ValuePoint([new("v", value)], 1)])];

        Assert.Equal($"# TYPE g gauge\ng{{v=\"{escaped}\"}} 1\n", PrometheusText.Format(families));
    }

    [Fact]
    public void Help_escapes_backslash_and_line_feed_but_not_quotes()
    {
        MetricFamily[] families = [new("g", "a \"b\" c\\d\ne", MetricType.Gauge, [])];

        Assert.Equal("# HELP g a \"b\" c\\\\d\\ne\n# TYPE g gauge\n", PrometheusText.Format(families));
    }

    [Fact]
    public void The_written_text_reads_back_with_an_independent_parser()
    {
        MetricFamily[] families =
        [
            new("c_total", "a counter", MetricType.Counter, [new ValuePoint([new("k", "v \"x\" \\ }")], 2)]),
            new("h", "a histogram", MetricType.Histogram, [new HistogramPoint(NoLabels, [0.5, 1], [1, 1, 1], 3.5)]),
        ];

        var samples = ExpositionFormat.Parse(PrometheusText.Format(families));

        Assert.Equal("v \"x\" \\ }", Assert.Single(samples, s => s.Name == "c_total").Labels["k"]);
        Assert.Equal([1.0, 2.0, 3.0], samples.Where(s => s.Name == "h_bucket").Select(s => s.Value));
        Assert.Equal(3.5, ExpositionFormat.ValueOf(samples, "h_sum"));
        Assert.Equal(3, ExpositionFormat.ValueOf(samples, "h_count"));
    }
}
