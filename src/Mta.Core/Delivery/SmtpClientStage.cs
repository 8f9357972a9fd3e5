namespace Mta.Core.Delivery;

/// <summary>The steps of an SMTP client conversation, as named in <see cref="SmtpClientException.Stage"/>.</summary>
public static class SmtpClientStage
{
    /// <summary>Waiting for the server's 220 greeting.</summary>
    public const string Greeting = "greeting";

    /// <summary>EHLO and its reply.</summary>
    public const string Ehlo = "EHLO";

    /// <summary>HELO and its reply, after EHLO was refused.</summary>
    public const string Helo = "HELO";

    /// <summary>STARTTLS and its reply (the handshake itself reports through its result, not by this stage).</summary>
    public const string StartTls = "STARTTLS";

    /// <summary>MAIL FROM and its reply.</summary>
    public const string MailFrom = "MAIL FROM";

    /// <summary>RCPT TO and its reply.</summary>
    public const string RcptTo = "RCPT TO";

    /// <summary>The DATA command and its 354.</summary>
    public const string Data = "DATA";

    /// <summary>Sending the message content.</summary>
    public const string MessageBody = "message body";

    /// <summary>The final "." and its reply; a failure here may mean the message was delivered.</summary>
    public const string EndOfData = "end of DATA";

    /// <summary>RSET and its reply.</summary>
    public const string Rset = "RSET";

    /// <summary>QUIT and its reply.</summary>
    public const string Quit = "QUIT";

    /// <summary>What the client was doing, in the words Postfix logs ("while sending RCPT TO").</summary>
    internal static string Activity(string stage) => stage switch
    {
        Greeting => "receiving the initial server greeting",
        Ehlo => "performing the EHLO handshake",
        Helo => "performing the HELO handshake",
        StartTls => "sending STARTTLS",
        MailFrom => "sending MAIL FROM",
        RcptTo => "sending RCPT TO",
        Data => "sending DATA command",
        MessageBody => "sending message body",
        EndOfData => "sending end of data -- message may be sent more than once",
        Rset => "sending RSET probe",
        Quit => "sending QUIT",
        _ => "talking to the server",
    };
}
