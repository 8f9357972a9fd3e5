using System.Globalization;
using System.Security.Authentication;
using System.Text;

namespace Mta.LoadGen;

/// <summary>How the opening of a session ended: the EHLO keywords, or the failure's key and text.</summary>
internal readonly record struct HandshakeResult(IReadOnlyList<string>? Keywords, string? ErrorKey, string? ErrorText)
{
    public bool Succeeded => Keywords is not null;

    public static HandshakeResult Failed(string key, string? text) => new(null, key, text);

    public static HandshakeResult Failed(int code, SmtpConnection connection) => new(null, code.ToString(CultureInfo.InvariantCulture), connection.LastErrorText);
}

/// <summary>The start of every session: greeting, EHLO, and with --starttls the TLS upgrade and a second EHLO.</summary>
internal static class SessionHandshake
{
    private static readonly ReadOnlyMemory<byte> StartTlsCommand = "STARTTLS\r\n"u8.ToArray();

    /// <summary>
    /// Runs the opening dialogue on a connected <paramref name="connection"/>. A refusing reply or a
    /// failed handshake is returned as a result; a broken connection throws as every read does.
    /// </summary>
    public static async Task<HandshakeResult> RunAsync(SmtpConnection connection, LoadGenOptions options, TlsClientSettings? tls)
    {
        var greeting = await connection.ReadReplyAsync().ConfigureAwait(false);
        if (greeting != 220)
        {
            return HandshakeResult.Failed(greeting, connection);
        }

        var ehloCommand = Encoding.ASCII.GetBytes($"EHLO {options.Helo}\r\n");
        var keywords = new List<string>();
        await connection.SendAsync(ehloCommand).ConfigureAwait(false);
        var ehlo = await connection.ReadReplyAsync(keywords).ConfigureAwait(false);
        if (ehlo != 250)
        {
            return HandshakeResult.Failed(ehlo, connection);
        }

        if (tls is null)
        {
            return new HandshakeResult(keywords, null, null);
        }

        if (!keywords.Any(keyword => keyword.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
        {
            return HandshakeResult.Failed("starttls-not-offered", "the server's EHLO reply does not list STARTTLS");
        }

        await connection.SendAsync(StartTlsCommand).ConfigureAwait(false);
        var ready = await connection.ReadReplyAsync().ConfigureAwait(false);
        if (ready != 220)
        {
            return HandshakeResult.Failed(ready, connection);
        }

        try
        {
            await connection.StartTlsAsync(tls.AuthenticationOptions).ConfigureAwait(false);
        }
        catch (AuthenticationException exception)
        {
            return HandshakeResult.Failed("tls", exception.Message);
        }

        // RFC 3207 section 4.2: what was learnt before TLS is forgotten; ask again.
        keywords.Clear();
        await connection.SendAsync(ehloCommand).ConfigureAwait(false);
        ehlo = await connection.ReadReplyAsync(keywords).ConfigureAwait(false);
        return ehlo == 250 ? new HandshakeResult(keywords, null, null) : HandshakeResult.Failed(ehlo, connection);
    }
}
