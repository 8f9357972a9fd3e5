using System.Net.Security;
using Mta.Tls;
using Xunit;

namespace Mta.Tls.Tests.Ciphers;

public sealed class CipherGradeTests
{
    [Theory]
    [InlineData("")]
    [InlineData("medium")]
    [InlineData(" MEDIUM ")]
    public void Medium_or_nothing_should_mean_the_platform_defaults(string text)
    {
        Assert.True(CipherGrade.TryParse(text, out var suites, out _));
        Assert.Null(suites);
    }

    [Fact]
    public void High_should_allow_only_256_bit_aead_suites()
    {
        Assert.True(CipherGrade.TryParse("high", out var suites, out _));
        Assert.Contains(TlsCipherSuite.TLS_AES_256_GCM_SHA384, suites!);
        Assert.DoesNotContain(TlsCipherSuite.TLS_AES_128_GCM_SHA256, suites!);
        Assert.All(suites!, s => Assert.True(s.ToString().Contains("_256_", StringComparison.Ordinal) || s.ToString().Contains("CHACHA20", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_explicit_list_should_be_taken_as_written()
    {
        Assert.True(CipherGrade.TryParse("TLS_AES_128_GCM_SHA256:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", out var suites, out _));
        Assert.Equal([TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], suites);
    }

    [Theory]
    [InlineData("low", "weak")]
    [InlineData("export", "weak")]
    [InlineData("null", "weak")]
    [InlineData("ECDHE-ECDSA-AES256-GCM-SHA384", "IANA")]
    [InlineData("TLS_AES_256_GCM_SHA384:bogus", "'bogus'")]
    public void Anything_else_should_be_refused_with_the_reason(string text, string reason)
    {
        Assert.False(CipherGrade.TryParse(text, out _, out var problem));
        Assert.Contains(reason, problem);
    }
}
