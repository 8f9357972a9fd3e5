using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mta.Core.Delivery;
using Mta.Tls;
using Mta.Tls.Policy;
using Xunit;

namespace Mta.Core.Tests.Delivery;

public sealed class ClientCiphersTests
{
    private static ClientTls Client(IReadOnlyList<TlsCipherSuite>? ciphers) =>
        new(new TlsPolicyResolver(TlsLevel.May, null, null), null, new X509Certificate2Collection(), false,
            FingerprintDigest.Sha256, SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System) { Ciphers = ciphers };

    private static TlsPolicy Policy(string? ciphers) => new(TlsLevel.Encrypt, [], null, ciphers, "test");

    [Fact]
    public void Medium_offers_the_platform_defaults()
    {
        Assert.Null(Client(null).HandshakeOptions(Policy(null), "mx.example")!.CipherSuitesPolicy);
    }

    [Fact]
    public void Configured_ciphers_are_offered_and_a_policy_replaces_them_for_its_destination()
    {
        Assert.NotNull(Client(CipherGrade.High).HandshakeOptions(Policy(null), "mx.example")!.CipherSuitesPolicy);
        Assert.Null(Client(CipherGrade.High).HandshakeOptions(Policy("medium"), "mx.example")!.CipherSuitesPolicy);
        Assert.NotNull(Client(null).HandshakeOptions(Policy("TLS_AES_256_GCM_SHA384"), "mx.example")!.CipherSuitesPolicy);
    }

    [Fact]
    public void A_policy_naming_no_usable_suite_offers_nothing()
    {
        Assert.Null(Client(null).HandshakeOptions(Policy("ECDHE-RSA-AES256-SHA"), "mx.example"));
    }
}
