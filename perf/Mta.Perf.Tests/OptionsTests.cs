using Mta.LoadGen;
using Mta.Sink;

namespace Mta.Perf.Tests;

public class SinkOptionsTests
{
    [Fact]
    public void Reads_every_option()
    {
        var options = SinkOptions.Parse(
            ["--host", "127.0.0.2", "--port", "0", "--port-file", "p", "--hostname", "sink.test", "--tls-cert", "c.pem", "--tls-key", "k.pem",
             "--defer-rate", "0.1", "--reject-rate", "0.01", "--latency", "5ms", "--seed", "7", "--series", "s.csv", "--interval", "500ms",
             "--duration", "2m", "--quiet"],
            out var help,
            out var error);
        Assert.Null(error);
        Assert.False(help);
        Assert.NotNull(options);
        Assert.Equal("127.0.0.2", options.Address.ToString());
        Assert.Equal((0, "p", "sink.test", "c.pem", "k.pem"), (options.Port, options.PortFile, options.HostName, options.TlsCertFile, options.TlsKeyFile));
        Assert.Equal((0.1, 0.01, TimeSpan.FromMilliseconds(5), 7), (options.DeferRate, options.RejectRate, options.Latency, options.Seed!.Value));
        Assert.Equal(("s.csv", TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2), true), (options.SeriesPath, options.Interval, options.Duration!.Value, options.Quiet));
    }

    [Theory]
    [InlineData("--defer-rate", "1.5")]
    [InlineData("--reject-rate", "-0.1")]
    [InlineData("--latency", "soon")]
    [InlineData("--interval", "0")]
    [InlineData("--port", "65536")]
    [InlineData("--host", "localhost")]
    [InlineData("--hostname", "bad name")]
    [InlineData("--tls-cert", "only-the-cert.pem")]
    [InlineData("--unknown", "x")]
    public void Refuses_bad_values_with_a_message(string name, string value)
    {
        Assert.Null(SinkOptions.Parse([name, value], out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Refuses_rates_that_add_up_to_more_than_one()
    {
        Assert.Null(SinkOptions.Parse(["--defer-rate", "0.6", "--reject-rate", "0.5"], out _, out var error));
        Assert.Contains("add up", error, StringComparison.Ordinal);
    }
}

public class LoadGenTlsAndIdleOptionsTests
{
    [Fact]
    public void Reads_starttls_with_a_client_certificate_and_ca()
    {
        var options = LoadGenOptions.Parse(["--starttls", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem"], out _, out var error);
        Assert.Null(error);
        Assert.Equal((true, "c.pem", "k.pem", "ca.pem"), (options!.StartTls, options.TlsCertFile, options.TlsKeyFile, options.TlsCaFile));
    }

    [Fact]
    public void Reads_idle_sessions_and_hold()
    {
        var options = LoadGenOptions.Parse(["--idle-sessions", "10000", "--hold", "30s"], out _, out var error);
        Assert.Null(error);
        Assert.Equal((10_000, TimeSpan.FromSeconds(30)), (options!.IdleSessions!.Value, options.Hold));
    }

    [Theory]
    [InlineData(new[] { "--tls-cert", "c.pem", "--tls-key", "k.pem" }, "need --starttls")]
    [InlineData(new[] { "--starttls", "--tls-cert", "c.pem" }, "go together")]
    [InlineData(new[] { "--starttls", "--tls-key", "k.pem" }, "go together")]
    [InlineData(new[] { "--tls-ca", "ca.pem" }, "need --starttls")]
    [InlineData(new[] { "--idle-sessions", "0" }, "--idle-sessions")]
    [InlineData(new[] { "--hold", "forever" }, "--hold")]
    public void Refuses_inconsistent_tls_and_idle_options(string[] args, string message)
    {
        Assert.Null(LoadGenOptions.Parse(args, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
