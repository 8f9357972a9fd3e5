using Mta.Tls.Policy;
using Xunit;

namespace Mta.Tls.Tests.Policy;

public sealed class GlobalLevelTests
{
    // enforce-tls ? (enforce-peername ? verify : encrypt) : (use-tls ? may : none)
    [Theory]
    [InlineData(false, false, false, TlsLevel.None)]
    [InlineData(false, false, true, TlsLevel.None)]
    [InlineData(true, false, false, TlsLevel.May)]
    [InlineData(true, false, true, TlsLevel.May)]
    [InlineData(false, true, false, TlsLevel.Encrypt)]
    [InlineData(false, true, true, TlsLevel.Verify)]
    [InlineData(true, true, false, TlsLevel.Encrypt)]
    [InlineData(true, true, true, TlsLevel.Verify)]
    public void Empty_security_level_should_derive_from_the_legacy_switches(bool useTls, bool enforceTls, bool enforcePeername, TlsLevel expected)
    {
        Assert.Equal(expected, TlsPolicyResolver.GlobalLevel("", useTls, enforceTls, enforcePeername));
        Assert.Equal(expected, TlsPolicyResolver.GlobalLevel("  ", useTls, enforceTls, enforcePeername));
    }

    public static TheoryData<string, bool, bool, bool, TlsLevel> ExplicitLevels()
    {
        var data = new TheoryData<string, bool, bool, bool, TlsLevel>();
        (string Word, TlsLevel Level)[] levels =
        [
            ("none", TlsLevel.None), ("may", TlsLevel.May), ("encrypt", TlsLevel.Encrypt),
            ("fingerprint", TlsLevel.Fingerprint), ("verify", TlsLevel.Verify), ("secure", TlsLevel.Secure),
        ];
        foreach ((string word, TlsLevel level) in levels)
        {
            foreach (bool useTls in new[] { false, true })
            {
                foreach (bool enforceTls in new[] { false, true })
                {
                    foreach (bool enforcePeername in new[] { false, true })
                    {
                        data.Add(word, useTls, enforceTls, enforcePeername, level);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExplicitLevels))]
    public void Explicit_security_level_should_win_over_every_legacy_switch(string securityLevel, bool useTls, bool enforceTls, bool enforcePeername, TlsLevel expected)
    {
        Assert.Equal(expected, TlsPolicyResolver.GlobalLevel(securityLevel, useTls, enforceTls, enforcePeername));
    }

    [Theory]
    [InlineData("dane")]
    [InlineData("mandatory")]
    public void Invalid_security_level_should_stop_start_up_naming_the_key(string securityLevel)
    {
        var error = Assert.Throws<ArgumentException>(() => TlsPolicyResolver.GlobalLevel(securityLevel, true, true, true));

        Assert.Contains("mta.smtp.tls.security-level", error.Message, StringComparison.Ordinal);
        Assert.Contains(securityLevel, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_client_configuration_should_give_may()
    {
        // Tabella 3: smtp_use_tls = yes, smtp_enforce_tls commented out, smtp_tls_enforce_peername = yes.
        Assert.Equal(TlsLevel.May, TlsPolicyResolver.GlobalLevel("", useTls: true, enforceTls: false, enforcePeername: true));
    }

    [Fact]
    public void Global_fingerprint_level_should_need_fingerprints()
    {
        Assert.Throws<ArgumentException>(() => new TlsPolicyResolver(TlsLevel.Fingerprint, null, null));
        Assert.Throws<ArgumentException>(() => new TlsPolicyResolver(TlsLevel.Fingerprint, null, null, ["not-a-fingerprint"]));
    }

    [Theory]
    [InlineData(TlsLevel.None)]
    [InlineData(TlsLevel.May)]
    [InlineData(TlsLevel.Encrypt)]
    [InlineData(TlsLevel.Fingerprint)]
    [InlineData(TlsLevel.Verify)]
    [InlineData(TlsLevel.Secure)]
    public void Without_tables_every_host_should_get_the_global_level(TlsLevel global)
    {
        var resolver = new TlsPolicyResolver(global, null, null, [PolicyTables.Sha256.ToLowerInvariant()]);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("example.com"), "mx1.example.com");

        Assert.Equal(global, policy.Level);
        Assert.Equal(TlsPolicyResolver.GlobalSource, policy.Source);
        Assert.True(policy.IsValid);
        Assert.Null(resolver.StartupWarning);
        Assert.Empty(resolver.Errors());
    }

    [Theory]
    [InlineData(TlsLevel.None, new string[0])]
    [InlineData(TlsLevel.May, new string[0])]
    [InlineData(TlsLevel.Encrypt, new string[0])]
    [InlineData(TlsLevel.Fingerprint, new[] { PolicyTables.Sha256 })]
    [InlineData(TlsLevel.Verify, new[] { "mx1.example.com" })]
    [InlineData(TlsLevel.Secure, new[] { "example.com", ".example.com" })]
    public void Global_level_should_match_postfix_default_names(TlsLevel global, string[] match)
    {
        var resolver = new TlsPolicyResolver(global, null, null, [PolicyTables.Sha256.Replace(":", "", StringComparison.Ordinal)]);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("example.com"), "MX1.Example.COM.");

        Assert.Equal(new TlsPolicy(global, match, null, null, "global"), policy);
    }
}
