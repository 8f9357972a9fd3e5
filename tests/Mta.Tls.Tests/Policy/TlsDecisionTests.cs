using Mta.Tls.Policy;
using Xunit;

namespace Mta.Tls.Tests.Policy;

public sealed class TlsDecisionTests
{
    private const string Host = "mx.example.net[192.0.2.25]";

    private static readonly TimeSpan MinimalBackoff = TimeSpan.FromSeconds(300);

    private static TlsPolicy Policy(TlsLevel level) => level switch
    {
        TlsLevel.Fingerprint => new TlsPolicy(level, [PolicyTables.Sha256], null, null, "global"),
        TlsLevel.Verify => new TlsPolicy(level, ["mx.example.net"], null, null, "global"),
        TlsLevel.Secure => new TlsPolicy(level, ["example.net", ".example.net"], null, null, "global"),
        _ => new TlsPolicy(level, [], null, null, "global"),
    };

    private static readonly TlsPolicy Broken = TlsPolicy.Invalid(new TlsPolicyError("example.net", "verfiy", "invalid security level \"verfiy\""), "policy-maps example.net");

    [Theory]
    [InlineData(TlsLevel.None, false, TlsAction.PlaintextOk)]
    [InlineData(TlsLevel.May, false, TlsAction.PlaintextOk)]
    [InlineData(TlsLevel.May, true, TlsAction.StartTls)]
    [InlineData(TlsLevel.Encrypt, true, TlsAction.StartTls)]
    [InlineData(TlsLevel.Fingerprint, true, TlsAction.StartTls)]
    [InlineData(TlsLevel.Verify, true, TlsAction.StartTls)]
    [InlineData(TlsLevel.Secure, true, TlsAction.StartTls)]
    public void After_ehlo_tls_should_be_started_when_wanted_and_offered(TlsLevel level, bool offered, TlsAction expected)
    {
        Assert.Equal(new StartTlsDecision(expected), TlsDecision.WhenEhloDone(Policy(level), Host, offered));
    }

    [Fact]
    public void After_ehlo_level_none_should_note_a_starttls_offer_and_stay_in_plaintext()
    {
        StartTlsDecision decision = TlsDecision.WhenEhloDone(Policy(TlsLevel.None), Host, serverOffersStartTls: true);

        Assert.Equal(new StartTlsDecision(TlsAction.PlaintextOk, LogDetail: $"Host offered STARTTLS: {Host}"), decision);
        Assert.False(decision.IsFailure);
    }

    [Theory]
    [InlineData(TlsLevel.Encrypt)]
    [InlineData(TlsLevel.Fingerprint)]
    [InlineData(TlsLevel.Verify)]
    [InlineData(TlsLevel.Secure)]
    public void After_ehlo_required_tls_not_offered_should_skip_the_host(TlsLevel level)
    {
        StartTlsDecision decision = TlsDecision.WhenEhloDone(Policy(level), Host, serverOffersStartTls: false);

        Assert.Equal(new StartTlsDecision(TlsAction.SkipHost, "4.7.4", $"TLS is required, but was not offered by host {Host}"), decision);
        Assert.True(decision.IsFailure);
    }

    [Theory]
    [InlineData(TlsLevel.Encrypt)]
    [InlineData(TlsLevel.Fingerprint)]
    [InlineData(TlsLevel.Verify)]
    [InlineData(TlsLevel.Secure)]
    public void Refused_starttls_should_skip_the_host_quoting_the_reply_when_tls_is_required(TlsLevel level)
    {
        StartTlsDecision decision = TlsDecision.AfterStartTlsRefused(Policy(level), Host, 454, "4.7.0 TLS not available due to local problem");

        Assert.Equal(
            new StartTlsDecision(TlsAction.SkipHost, "4.7.0", $"TLS is required, but host {Host} refused to start TLS: 454 4.7.0 TLS not available due to local problem"),
            decision);
    }

    [Theory]
    [InlineData(454, "TLS not available", "4.0.0", "454 TLS not available")]
    [InlineData(554, "5.7.1 Not for you", "4.7.1", "554 5.7.1 Not for you")]
    [InlineData(454, "4.3.10 Busy\r\nTry later", "4.3.10", "454 4.3.10 Busy Try later")]
    [InlineData(502, "5.5.1 Error: command not implemented", "4.5.1", "502 5.5.1 Error: command not implemented")]
    [InlineData(454, "4.x.0 odd", "4.0.0", "454 4.x.0 odd")]
    public void Refused_starttls_should_defer_with_the_reply_status_in_class_four(int code, string text, string dsn, string quoted)
    {
        StartTlsDecision decision = TlsDecision.AfterStartTlsRefused(Policy(TlsLevel.Encrypt), Host, code, text);

        Assert.Equal(TlsAction.SkipHost, decision.Action);
        Assert.Equal(dsn, decision.Dsn);
        Assert.Equal($"TLS is required, but host {Host} refused to start TLS: {quoted}", decision.Reason);
    }

    [Theory]
    [InlineData(TlsLevel.None)]
    [InlineData(TlsLevel.May)]
    public void Refused_starttls_should_continue_in_plaintext_when_tls_is_optional(TlsLevel level)
    {
        StartTlsDecision decision = TlsDecision.AfterStartTlsRefused(Policy(level), Host, 454, "4.7.0 TLS not available due to local problem");

        Assert.Equal(TlsAction.PlaintextOk, decision.Action);
        Assert.Null(decision.Dsn);
        Assert.Null(decision.Reason);
        Assert.Contains("454 4.7.0 TLS not available due to local problem", decision.LogDetail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(220)]
    [InlineData(399)]
    [InlineData(600)]
    public void Refused_starttls_should_only_accept_error_replies(int code)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TlsDecision.AfterStartTlsRefused(Policy(TlsLevel.May), Host, code, "Ready"));
    }

    [Theory]
    [InlineData(300, TlsAction.PlaintextOk)]
    [InlineData(301, TlsAction.PlaintextOk)]
    [InlineData(86_400, TlsAction.PlaintextOk)]
    [InlineData(299, TlsAction.Defer)]
    [InlineData(0, TlsAction.Defer)]
    public void Failed_handshake_at_may_should_retry_in_plaintext_only_for_mail_queued_at_least_the_minimal_backoff(int ageSeconds, TlsAction expected)
    {
        StartTlsDecision decision = TlsDecision.AfterHandshakeFailed(Policy(TlsLevel.May), TimeSpan.FromSeconds(ageSeconds), MinimalBackoff);

        Assert.Equal(expected, decision.Action);
        if (expected == TlsAction.Defer)
        {
            Assert.Equal("4.7.5", decision.Dsn);
            Assert.Equal("Cannot start TLS: handshake failure", decision.Reason);
        }
        else
        {
            Assert.Null(decision.Dsn);
            Assert.NotNull(decision.LogDetail);
        }
    }

    [Theory]
    [InlineData(TlsLevel.Encrypt, 0)]
    [InlineData(TlsLevel.Encrypt, 86_400)]
    [InlineData(TlsLevel.Fingerprint, 86_400)]
    [InlineData(TlsLevel.Verify, 86_400)]
    [InlineData(TlsLevel.Secure, 0)]
    [InlineData(TlsLevel.Secure, 86_400)]
    public void Failed_handshake_with_required_tls_should_skip_the_host_whatever_the_message_age(TlsLevel level, int ageSeconds)
    {
        StartTlsDecision decision = TlsDecision.AfterHandshakeFailed(Policy(level), TimeSpan.FromSeconds(ageSeconds), MinimalBackoff);

        Assert.Equal(new StartTlsDecision(TlsAction.SkipHost, "4.7.5", "Cannot start TLS: handshake failure"), decision);
    }

    public static TheoryData<TlsLevel, bool, bool, bool, bool> UncheckedLevelsWithEveryFact()
    {
        var data = new TheoryData<TlsLevel, bool, bool, bool, bool>();
        foreach (TlsLevel level in new[] { TlsLevel.None, TlsLevel.May, TlsLevel.Encrypt })
        {
            for (int bits = 0; bits < 16; bits++)
            {
                data.Add(level, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UncheckedLevelsWithEveryFact))]
    public void After_handshake_levels_that_check_no_certificate_should_proceed(TlsLevel level, bool trusted, bool name, bool secureName, bool fingerprint)
    {
        StartTlsDecision decision = TlsDecision.AfterHandshake(Policy(level), new PeerFacts(trusted, name, secureName, fingerprint));

        Assert.Equal(new StartTlsDecision(TlsAction.Proceed), decision);
    }

    // Columns: trusted, name matches, secure name matches, fingerprint matches, then the expected
    // outcome: "proceed", or the log detail that starts the skip.
    [Theory]
    [InlineData(TlsLevel.Fingerprint, false, false, false, true, "proceed")]
    [InlineData(TlsLevel.Fingerprint, true, true, true, true, "proceed")]
    [InlineData(TlsLevel.Fingerprint, true, true, true, false, "certificate fingerprint not in " + PolicyTables.Sha256)]
    [InlineData(TlsLevel.Fingerprint, false, false, false, false, "certificate fingerprint not in")]
    [InlineData(TlsLevel.Verify, true, true, false, false, "proceed")]
    [InlineData(TlsLevel.Verify, true, true, true, true, "proceed")]
    [InlineData(TlsLevel.Verify, false, true, true, true, "certificate not trusted")]
    [InlineData(TlsLevel.Verify, false, false, false, false, "certificate not trusted")]
    [InlineData(TlsLevel.Verify, true, false, true, true, "name mismatch: certificate matches none of mx.example.net")]
    [InlineData(TlsLevel.Secure, true, false, true, false, "proceed")]
    [InlineData(TlsLevel.Secure, true, true, true, true, "proceed")]
    [InlineData(TlsLevel.Secure, false, true, true, true, "certificate not trusted")]
    [InlineData(TlsLevel.Secure, true, true, false, true, "name mismatch: certificate matches none of example.net, .example.net")]
    [InlineData(TlsLevel.Secure, false, false, false, false, "certificate not trusted")]
    public void After_handshake_checked_levels_should_proceed_only_on_a_match(TlsLevel level, bool trusted, bool name, bool secureName, bool fingerprint, string expected)
    {
        StartTlsDecision decision = TlsDecision.AfterHandshake(Policy(level), new PeerFacts(trusted, name, secureName, fingerprint));

        if (expected == "proceed")
        {
            Assert.Equal(new StartTlsDecision(TlsAction.Proceed), decision);
        }
        else
        {
            Assert.Equal(TlsAction.SkipHost, decision.Action);
            Assert.Equal("4.7.5", decision.Dsn);
            Assert.Equal("Server certificate not verified", decision.Reason);
            Assert.StartsWith(expected, decision.LogDetail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Valid_policies_should_let_the_nexthop_and_the_connection_proceed()
    {
        var resolver = new TlsPolicyResolver(TlsLevel.Secure, null, null);
        SitePolicy nexthopPart = resolver.ResolveNexthop("example.net");

        Assert.Equal(new StartTlsDecision(TlsAction.Proceed), TlsDecision.ForNexthop(nexthopPart));
        Assert.Equal(new StartTlsDecision(TlsAction.Proceed), TlsDecision.BeforeConnect(resolver.ResolveHost(nexthopPart, "mx.example.net")));
    }

    public static TheoryData<string> EveryStep() => ["before-connect", "ehlo-offered", "ehlo-not-offered", "refused", "handshake-failed-old", "handshake-failed-young", "handshake-done"];

    [Theory]
    [MemberData(nameof(EveryStep))]
    public void Policy_from_a_malformed_entry_should_fail_every_step(string step)
    {
        var trustedEverywhere = new PeerFacts(true, true, true, true);
        StartTlsDecision decision = step switch
        {
            "before-connect" => TlsDecision.BeforeConnect(Broken),
            "ehlo-offered" => TlsDecision.WhenEhloDone(Broken, Host, serverOffersStartTls: true),
            "ehlo-not-offered" => TlsDecision.WhenEhloDone(Broken, Host, serverOffersStartTls: false),
            "refused" => TlsDecision.AfterStartTlsRefused(Broken, Host, 454, "4.7.0 nope"),
            "handshake-failed-old" => TlsDecision.AfterHandshakeFailed(Broken, TimeSpan.FromDays(1), MinimalBackoff),
            "handshake-failed-young" => TlsDecision.AfterHandshakeFailed(Broken, TimeSpan.Zero, MinimalBackoff),
            _ => TlsDecision.AfterHandshake(Broken, trustedEverywhere),
        };

        Assert.Equal(TlsAction.SkipHost, decision.Action);
        Assert.Equal("4.7.5", decision.Dsn);
        Assert.Equal("client TLS configuration problem", decision.Reason);
        Assert.Contains("verfiy", decision.LogDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decisions_should_print_status_and_reason_for_the_log()
    {
        var decision = new StartTlsDecision(TlsAction.SkipHost, "4.7.5", "Server certificate not verified", "certificate not trusted");

        Assert.Equal("SkipHost: 4.7.5 Server certificate not verified (certificate not trusted)", decision.ToString());
        Assert.Equal("StartTls", new StartTlsDecision(TlsAction.StartTls).ToString());
    }
}
