using System.Security.Authentication;
using Mta.Core.Delivery;
using Xunit;

namespace Mta.Core.Tests.Delivery;

/// <summary>A policy's protocols= narrows the configured versions and never widens them.</summary>
public sealed class TlsProtocolsTests
{
    private const SslProtocols Both = SslProtocols.Tls12 | SslProtocols.Tls13;

    [Theory]
    [InlineData(null, Both)]
    [InlineData("", Both)]
    [InlineData("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", Both)]
    [InlineData("!TLSv1.2", SslProtocols.Tls13)]
    [InlineData(">=TLSv1.3", SslProtocols.Tls13)]
    [InlineData(">=TLSv1", Both)]
    [InlineData("<=TLSv1.2", SslProtocols.Tls12)]
    [InlineData("TLSv1.2", SslProtocols.Tls12)]
    [InlineData("TLSv1.2:TLSv1.3", Both)]
    [InlineData("tlsv1.3", SslProtocols.Tls13)]
    [InlineData("TLSv1.1", SslProtocols.None)]
    [InlineData("!TLSv1.2 !TLSv1.3", SslProtocols.None)]
    [InlineData("TLSv9", SslProtocols.None)]
    [InlineData(">=TLSv9", SslProtocols.None)]
    public void The_attribute_narrows_both_configured_versions(string? attribute, SslProtocols expected)
    {
        Assert.Equal(expected, TlsProtocols.Narrow(Both, attribute));
    }

    [Theory]
    [InlineData("TLSv1.2:TLSv1.3", SslProtocols.Tls13)]
    [InlineData("<=TLSv1.2", SslProtocols.None)]
    [InlineData(null, SslProtocols.Tls13)]
    public void A_version_that_is_not_configured_is_never_offered(string? attribute, SslProtocols expected)
    {
        Assert.Equal(expected, TlsProtocols.Narrow(SslProtocols.Tls13, attribute));
    }
}
