using System.Text;

namespace Mta.Sink;

/// <summary>The commands the sink tells apart; everything else is answered 502.</summary>
internal enum SinkVerb
{
    Unknown,
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Rset,
    Noop,
    Quit,
    StartTls,
    Bdat,
}

/// <summary>What the session does after writing a reply.</summary>
internal enum SinkAction
{
    /// <summary>Read the next command.</summary>
    None,

    /// <summary>Flush the replies and read the message body up to the final ".".</summary>
    ReceiveData,

    /// <summary>Flush the 220, drop every byte the client sent after STARTTLS, then run the TLS handshake.</summary>
    StartTls,

    /// <summary>Flush the reply and close the connection.</summary>
    Close,
}

/// <summary>The envelope state of one session: whether MAIL was given and how many RCPTs were accepted.</summary>
internal struct SinkTransaction
{
    public bool HasSender;
    public int Recipients;
    public bool Greeted;
    public bool TlsActive;

    public void Reset()
    {
        HasSender = false;
        Recipients = 0;
    }
}

/// <summary>
/// The sink's SMTP dialogue as data: for each command line, the pre-encoded reply and what the
/// session does next. Pure: no sockets, no clocks; one instance serves every session.
/// </summary>
internal sealed class SinkDialog
{
    /// <summary>Longest command line accepted (RFC 5321 section 4.5.3.1.4 allows 512; extensions add more).</summary>
    public const int MaxCommandLine = 2048;

    private static readonly byte[] MailOk = Ascii("250 2.1.0 Ok\r\n");
    private static readonly byte[] RcptOk = Ascii("250 2.1.5 Ok\r\n");
    private static readonly byte[] Ok = Ascii("250 2.0.0 Ok\r\n");
    private static readonly byte[] StartData = Ascii("354 End data with <CR><LF>.<CR><LF>\r\n");
    private static readonly byte[] Bye = Ascii("221 2.0.0 Bye\r\n");
    private static readonly byte[] ReadyForTls = Ascii("220 2.0.0 Ready to start TLS\r\n");
    private static readonly byte[] TlsActive = Ascii("554 5.5.1 Error: TLS already active\r\n");
    private static readonly byte[] NotImplemented = Ascii("502 5.5.1 Error: command not implemented\r\n");
    private static readonly byte[] NotRecognized = Ascii("502 5.5.2 Error: command not recognized\r\n");
    private static readonly byte[] NeedEhlo = Ascii("503 5.5.1 Error: send HELO/EHLO first\r\n");
    private static readonly byte[] NestedMail = Ascii("503 5.5.1 Error: nested MAIL command\r\n");
    private static readonly byte[] NeedMail = Ascii("503 5.5.1 Error: need MAIL command\r\n");
    private static readonly byte[] NeedRcpt = Ascii("503 5.5.1 Error: need RCPT command\r\n");

    private readonly byte[] ehloPlain;
    private readonly byte[] ehloInsideTls;
    private readonly byte[] helo;

    /// <param name="hostName">Name in the banner and EHLO reply.</param>
    /// <param name="offerStartTls">Whether EHLO advertises STARTTLS (a certificate is configured).</param>
    public SinkDialog(string hostName, bool offerStartTls)
    {
        OffersStartTls = offerStartTls;
        Greeting = Ascii($"220 {hostName} ESMTP mta-sink\r\n");
        helo = Ascii($"250 {hostName}\r\n");
        const string Extensions = "250-PIPELINING\r\n250-SIZE 0\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n";
        ehloInsideTls = Ascii($"250-{hostName}\r\n{Extensions}250 SMTPUTF8\r\n");
        ehloPlain = offerStartTls ? Ascii($"250-{hostName}\r\n{Extensions}250-STARTTLS\r\n250 SMTPUTF8\r\n") : ehloInsideTls;
        LineTooLong = Ascii("500 5.5.0 Error: line too long\r\n");
        Accepted = Ascii("250 2.0.0 Ok: queued by mta-sink\r\n");
        Deferred = Ascii("451 4.3.0 Error: deferred by mta-sink (--defer-rate)\r\n");
        Rejected = Ascii("554 5.7.1 Error: rejected by mta-sink (--reject-rate)\r\n");
    }

    public bool OffersStartTls { get; }

    public byte[] Greeting { get; }

    public byte[] LineTooLong { get; }

    public byte[] Accepted { get; }

    public byte[] Deferred { get; }

    public byte[] Rejected { get; }

    /// <summary>The reply to the final "." for <paramref name="outcome"/>.</summary>
    public byte[] ReplyTo(MessageOutcome outcome) => outcome switch
    {
        MessageOutcome.Deferred => Deferred,
        MessageOutcome.Rejected => Rejected,
        _ => Accepted,
    };

    /// <summary>Recognises the verb of a command line (without its CRLF), ignoring case.</summary>
    public static SinkVerb ParseVerb(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOf((byte)' ');
        var verb = end < 0 ? line : line[..end];
        return verb.Length switch
        {
            4 when Is(verb, "EHLO"u8) => SinkVerb.Ehlo,
            4 when Is(verb, "HELO"u8) => SinkVerb.Helo,
            4 when Is(verb, "MAIL"u8) => SinkVerb.Mail,
            4 when Is(verb, "RCPT"u8) => SinkVerb.Rcpt,
            4 when Is(verb, "DATA"u8) => SinkVerb.Data,
            4 when Is(verb, "RSET"u8) => SinkVerb.Rset,
            4 when Is(verb, "NOOP"u8) => SinkVerb.Noop,
            4 when Is(verb, "QUIT"u8) => SinkVerb.Quit,
            4 when Is(verb, "BDAT"u8) => SinkVerb.Bdat,
            8 when Is(verb, "STARTTLS"u8) => SinkVerb.StartTls,
            _ => SinkVerb.Unknown,
        };
    }

    /// <summary>Answers one command line and updates the transaction; recipients are always accepted.</summary>
    public (byte[] Reply, SinkAction Action) Handle(ReadOnlySpan<byte> line, ref SinkTransaction transaction)
    {
        switch (ParseVerb(line))
        {
            case SinkVerb.Ehlo:
                transaction.Reset();
                transaction.Greeted = true;
                return (transaction.TlsActive ? ehloInsideTls : ehloPlain, SinkAction.None);
            case SinkVerb.Helo:
                transaction.Reset();
                transaction.Greeted = true;
                return (helo, SinkAction.None);
            case SinkVerb.Mail when !transaction.Greeted:
                return (NeedEhlo, SinkAction.None);
            case SinkVerb.Mail when transaction.HasSender:
                return (NestedMail, SinkAction.None);
            case SinkVerb.Mail:
                transaction.HasSender = true;
                return (MailOk, SinkAction.None);
            case SinkVerb.Rcpt when !transaction.HasSender:
                return (NeedMail, SinkAction.None);
            case SinkVerb.Rcpt:
                transaction.Recipients++;
                return (RcptOk, SinkAction.None);
            case SinkVerb.Data when transaction.Recipients == 0:
                return (transaction.HasSender ? NeedRcpt : NeedMail, SinkAction.None);
            case SinkVerb.Data:
                return (StartData, SinkAction.ReceiveData);
            case SinkVerb.Rset:
                transaction.Reset();
                return (Ok, SinkAction.None);
            case SinkVerb.Noop:
                return (Ok, SinkAction.None);
            case SinkVerb.Quit:
                return (Bye, SinkAction.Close);
            case SinkVerb.StartTls when !OffersStartTls:
                return (NotImplemented, SinkAction.None);
            case SinkVerb.StartTls when transaction.TlsActive:
                return (TlsActive, SinkAction.None);
            case SinkVerb.StartTls:
                // After the handshake the client starts again with EHLO (RFC 3207 section 4.2).
                transaction.Reset();
                transaction.Greeted = false;
                transaction.TlsActive = true;
                return (ReadyForTls, SinkAction.StartTls);
            case SinkVerb.Bdat:
                return (NotImplemented, SinkAction.None);
            default:
                return (NotRecognized, SinkAction.None);
        }
    }

    private static bool Is(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> upper)
    {
        for (var i = 0; i < upper.Length; i++)
        {
            if ((verb[i] & 0xDF) != upper[i])
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
