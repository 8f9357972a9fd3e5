using Mta.Core.Delivery;
using Mta.Protocol;
using Xunit;

namespace Mta.Core.Tests.Delivery;

public sealed class ServerCapabilitiesTests
{
    [Fact]
    public void A_Postfix_EHLO_reply_offers_everything_it_lists()
    {
        var reply = SmtpReply.Multiline(250, null, [
            "mx.example.com", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES",
            "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]);

        var capabilities = ServerCapabilities.FromEhloReply(reply);

        Assert.True(capabilities.Esmtp);
        Assert.Equal("mx.example.com", capabilities.ServerName);
        Assert.True(capabilities.Pipelining);
        Assert.True(capabilities.Size);
        Assert.Equal(10240000, capabilities.SizeLimit);
        Assert.True(capabilities.StartTls);
        Assert.True(capabilities.EightBitMime);
        Assert.True(capabilities.Dsn);
        Assert.True(capabilities.SmtpUtf8);
        Assert.True(capabilities.Chunking);
        Assert.Contains("ETRN", capabilities.Keywords);
    }

    [Fact]
    public void A_server_that_lists_nothing_offers_nothing()
    {
        var capabilities = ServerCapabilities.FromEhloReply(SmtpReply.Create(250, null, "mx.example.com Hello client"));

        Assert.True(capabilities.Esmtp);
        Assert.Equal("mx.example.com", capabilities.ServerName);
        Assert.False(capabilities.Pipelining || capabilities.Size || capabilities.EightBitMime || capabilities.SmtpUtf8
            || capabilities.Dsn || capabilities.Chunking || capabilities.StartTls);
        Assert.Empty(capabilities.Keywords);
    }

    [Theory]
    [InlineData("SIZE", true, 0)]
    [InlineData("SIZE 0", true, 0)]
    [InlineData("size 5000", true, 5000)]
    [InlineData("SIZE 12abc", true, 0)]
    [InlineData("SIZE -5", true, 0)]
    [InlineData("SIZEX 5000", false, 0)]
    public void SIZE_is_offered_with_a_limit_only_when_the_value_is_a_number(string line, bool offered, long limit)
    {
        var capabilities = ServerCapabilities.FromEhloReply(SmtpReply.Multiline(250, null, ["mx.example.com", line]));

        Assert.Equal(offered, capabilities.Size);
        Assert.Equal(limit, capabilities.SizeLimit);
    }

    [Theory]
    [InlineData("pipelining")]
    [InlineData("Pipelining")]
    [InlineData("PIPELINING extra words")]
    public void Keywords_compare_without_regard_to_case_and_ignore_parameters(string line)
    {
        Assert.True(ServerCapabilities.FromEhloReply(SmtpReply.Multiline(250, null, ["mx", line])).Pipelining);
    }

    [Fact]
    public void The_old_AUTH_equals_form_is_read_as_AUTH()
    {
        var capabilities = ServerCapabilities.FromEhloReply(SmtpReply.Multiline(250, null, ["mx", "AUTH=LOGIN PLAIN"]));

        Assert.Contains("AUTH", capabilities.Keywords);
    }

    [Theory]
    [InlineData("8BITMIME", true)]
    [InlineData("SMTPUTF8", true)]
    [InlineData("DSN", false)]
    public void A_server_with_SMTPUTF8_is_taken_to_accept_eight_bit_as_Postfix_does(string keyword, bool accepts)
    {
        Assert.Equal(accepts, ServerCapabilities.FromEhloReply(SmtpReply.Multiline(250, null, ["mx", keyword])).AcceptsEightBit);
    }

    [Fact]
    public void A_HELO_reply_means_plain_SMTP()
    {
        var capabilities = ServerCapabilities.FromHeloReply(SmtpReply.Create(250, null, "mx.example.com"));

        Assert.False(capabilities.Esmtp);
        Assert.Equal("mx.example.com", capabilities.ServerName);
        Assert.False(capabilities.Pipelining || capabilities.Size || capabilities.AcceptsEightBit || capabilities.Dsn);
    }
}
