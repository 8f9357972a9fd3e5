namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// The seed's server (Tabella 1 and 2) in HOCON: STARTTLS offered, client certificates asked for
/// and checked against "My CA", TLS lines in the Received header, and relay for mynetworks and for
/// the listed client certificate only.
/// </summary>
internal static class SeedServer
{
    /// <summary>A network the test clients (all on 127.0.0.1) are not in.</summary>
    public const string ForeignNetwork = "192.0.2.0/24";

    /// <summary>
    /// HOCON lines for <see cref="Support.MtaServerProcess.StartAsync"/>: the seed's server with
    /// <paramref name="mynetworks"/>, <paramref name="relayClientCerts"/> as the relay-clientcerts
    /// object's entries (by default the listed client's fingerprint), then <paramref name="extra"/>.
    /// </summary>
    public static string Settings(TestCertificates certificates, string mynetworks = ForeignNetwork, string? relayClientCerts = null, string extra = "") => $$"""
        mynetworks = ["{{mynetworks}}"]
        smtpd.recipient-restrictions = [permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination]
        smtpd.relay-clientcerts { {{relayClientCerts ?? $"\"{certificates.ListedFingerprint}\" = \"client1.my.net\""}} }
        smtpd.tls {
          cert-file = "{{certificates.ServerCert}}"
          key-file = "{{certificates.ServerKey}}"
          ca-file = "{{certificates.CaFile}}"
          use-tls = yes
          ask-ccert = yes
          received-header = yes
          loglevel = 1
        }
        {{extra}}
        """;
}
