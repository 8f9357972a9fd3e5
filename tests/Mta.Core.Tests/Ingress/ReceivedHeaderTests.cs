using Mta.Core.Ingress;
using Xunit;

namespace Mta.Core.Tests.Ingress;

public sealed class ReceivedHeaderTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 28, 20, 16, 47, TimeSpan.Zero);

    [Fact]
    public void Single_recipient_header_has_the_for_clause()
    {
        var header = ReceivedHeader.Build("client.example", "unknown", "192.0.2.1", [], "mx.example", "ESMTP", "4FhK2", "user@example.com", When);
        Assert.Equal(
            "Received: from client.example (unknown [192.0.2.1])\r\n" +
            "\tby mx.example (Mta) with ESMTP id 4FhK2\r\n" +
            "\tfor <user@example.com>; Sat, 28 Nov 2026 20:16:47 +0000\r\n", header);
    }

    [Fact]
    public void Several_recipients_are_not_revealed()
    {
        var header = ReceivedHeader.Build("c", "unknown", "192.0.2.1", [], "mx", "SMTP", "Q", null, When);
        Assert.DoesNotContain("for <", header);
        Assert.EndsWith("with SMTP id Q; Sat, 28 Nov 2026 20:16:47 +0000\r\n", header);
    }

    [Fact]
    public void Tls_lines_are_tab_indented_between_from_and_by()
    {
        var header = ReceivedHeader.Build("c", "unknown", "192.0.2.1", ["(using TLSv1.3)", "(No client certificate requested)"], "mx", "ESMTPS", "Q", null, When);
        Assert.Contains("])\r\n\t(using TLSv1.3)\r\n\t(No client certificate requested)\r\n\tby mx", header);
    }

    [Fact]
    public void Control_characters_from_the_client_cannot_add_header_lines()
    {
        var header = ReceivedHeader.Build("evil\r\nX-Injected: 1", "unknown", "192.0.2.1", [], "mx", "ESMTP", "Q", null, When);
        Assert.DoesNotContain("\r\nX-Injected", header);
        Assert.Contains("evil  X-Injected: 1", header);
    }

    [Theory]
    [InlineData(false, false, false, "SMTP")]
    [InlineData(true, false, false, "ESMTP")]
    [InlineData(true, true, false, "ESMTPS")]
    [InlineData(true, false, true, "UTF8SMTP")]
    [InlineData(true, true, true, "UTF8SMTPS")]
    [InlineData(false, true, false, "SMTPS")]
    public void Protocol_words_follow_rfc3848_and_rfc6531(bool esmtp, bool tls, bool utf8, string expected)
    {
        Assert.Equal(expected, ReceivedHeader.Protocol(esmtp, tls, utf8));
    }

    [Fact]
    public void Dates_carry_their_offset()
    {
        Assert.Equal("Sun, 1 Mar 2026 09:05:00 -0230", ReceivedHeader.FormatDate(new DateTimeOffset(2026, 3, 1, 9, 5, 0, new TimeSpan(-2, -30, 0))));
    }
}
