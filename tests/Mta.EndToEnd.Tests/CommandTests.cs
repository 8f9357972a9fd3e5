using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>Replies to single commands, good and bad, as Postfix gives them.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class CommandTests(LoopbackServerFixture server)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_command_line_of_3000_octets_gets_500_and_the_next_command_still_works(bool nextCommandInSameWrite)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        var longLine = "HELO " + new string('x', 2995);

        if (nextCommandInSameWrite)
        {
            await connection.SendAsync(longLine + "\r\nNOOP\r\n");
            Assert.Equal("500 5.5.2 Error: line too long", (await connection.ReadReplyAsync()).FirstLine);
            Assert.Equal("250 2.0.0 Ok", (await connection.ReadReplyAsync()).FirstLine);
        }
        else
        {
            Assert.Equal("500 5.5.2 Error: line too long", (await connection.CommandAsync(longLine)).FirstLine);
            Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
        }
    }

    [Fact]
    public async Task A_NUL_in_a_command_gets_500_and_the_session_goes_on()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("500 5.5.2 Error: NUL character in command", (await connection.CommandAsync("HELO client\0.example")).FirstLine);
        Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
    }

    [Fact]
    public async Task An_unknown_command_gets_502()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("502 5.5.2 Error: command not recognized", (await connection.CommandAsync("FROB nicate")).FirstLine);
    }

    public static TheoryData<string[], string, string> OutOfSequence => new()
    {
        { [], "RCPT TO:<someone@localhost>", "503 5.5.1 Error: need MAIL command" },
        { [], "DATA", "503 5.5.1 Error: need RCPT command" },
        { [], "BDAT 0 LAST", "503 5.5.1 Error: need RCPT command" },
        { [$"MAIL FROM:<{TestMessages.Sender}>"], $"MAIL FROM:<{TestMessages.Sender}>", "503 5.5.1 Error: nested MAIL command" },
        { [$"MAIL FROM:<{TestMessages.Sender}>", "RCPT TO:<someone@localhost>", "RSET"], "RCPT TO:<someone@localhost>", "503 5.5.1 Error: need MAIL command" },
    };

    [Theory]
    [MemberData(nameof(OutOfSequence))]
    public async Task A_command_out_of_sequence_gets_503(string[] before, string command, string expected)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        foreach (var line in before) Assert.Equal(250, (await connection.CommandAsync(line)).Code);

        Assert.Equal(expected, (await connection.CommandAsync(command)).FirstLine);
    }

    [Theory]
    [InlineData("VRFY someone@localhost", "252 2.0.0 ")]
    [InlineData("HELP", "214 2.0.0 ")]
    [InlineData("RSET", "250 2.0.0 Ok")]
    [InlineData("NOOP", "250 2.0.0 Ok")]
    public async Task A_harmless_command_gets_its_reply(string command, string expectedStart)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.StartsWith(expectedStart, (await connection.CommandAsync(command)).FirstLine, StringComparison.Ordinal);
        Assert.Equal("250 2.0.0 Ok", (await connection.CommandAsync("NOOP")).FirstLine);
    }

    [Fact]
    public async Task QUIT_gets_221_and_the_server_closes_the_connection()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("221 2.0.0 Bye", (await connection.CommandAsync("QUIT")).FirstLine);
        Assert.Equal(string.Empty, await connection.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_client_past_the_hard_error_limit_gets_421_and_is_disconnected()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);
        for (var i = 0; i < LoopbackServerFixture.HardErrorLimit; i++)
            Assert.Equal(502, (await connection.CommandAsync("FROB")).Code);

        Assert.Equal("421 4.7.0 mx.test Error: too many errors", (await connection.CommandAsync("NOOP")).FirstLine);
        Assert.Equal(string.Empty, await connection.ReadUntilClosedAsync());
    }
}
