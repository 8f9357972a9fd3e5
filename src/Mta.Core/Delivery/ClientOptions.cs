namespace Mta.Core.Delivery;

/// <summary>
/// Settings of the outbound SMTP client that are the same for every connection. The timeouts are
/// Postfix's <c>smtp_*_timeout</c> parameters; <see cref="Defaults"/> gives their default values.
/// Each bounds one wait: a command's write together with the wait for its reply, or one write of
/// message content.
/// </summary>
/// <param name="HeloName">The name sent with EHLO and HELO (Postfix <c>smtp_helo_name</c>).</param>
/// <param name="ConnectTimeout">For whoever opens the TCP connection (<c>smtp_connect_timeout</c>, 30 s); the client itself gets a connected stream.</param>
/// <param name="GreetingTimeout">Wait for the server's greeting (<c>smtp_helo_timeout</c>, 300 s).</param>
/// <param name="EhloTimeout">EHLO or HELO and its reply (<c>smtp_helo_timeout</c>, 300 s).</param>
/// <param name="MailTimeout">MAIL FROM and its reply (<c>smtp_mail_timeout</c>, 300 s).</param>
/// <param name="RcptTimeout">RCPT TO and its reply (<c>smtp_rcpt_timeout</c>, 300 s).</param>
/// <param name="DataInitTimeout">DATA and its 354 (<c>smtp_data_init_timeout</c>, 120 s).</param>
/// <param name="DataXferTimeout">One write of message content (<c>smtp_data_xfer_timeout</c>, 180 s).</param>
/// <param name="DataDoneTimeout">The final "." and its reply (<c>smtp_data_done_timeout</c>, 600 s).</param>
/// <param name="QuitTimeout">QUIT and its reply (<c>smtp_quit_timeout</c>, 300 s).</param>
/// <param name="Clock">Source of time for every timeout.</param>
public sealed record ClientOptions(
    string HeloName,
    TimeSpan ConnectTimeout,
    TimeSpan GreetingTimeout,
    TimeSpan EhloTimeout,
    TimeSpan MailTimeout,
    TimeSpan RcptTimeout,
    TimeSpan DataInitTimeout,
    TimeSpan DataXferTimeout,
    TimeSpan DataDoneTimeout,
    TimeSpan QuitTimeout,
    TimeProvider Clock)
{
    /// <summary>RSET and its reply (<c>smtp_rset_timeout</c>, 20 s).</summary>
    public TimeSpan RsetTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The TLS handshake after the server agreed to STARTTLS (<c>smtp_starttls_timeout</c>, 300 s).</summary>
    public TimeSpan StartTlsTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Options with Postfix's default timeouts.</summary>
    /// <param name="heloName">The name sent with EHLO and HELO.</param>
    /// <param name="clock">Source of time; the system clock when null.</param>
    public static ClientOptions Defaults(string heloName, TimeProvider? clock = null) => new(
        heloName,
        ConnectTimeout: TimeSpan.FromSeconds(30),
        GreetingTimeout: TimeSpan.FromSeconds(300),
        EhloTimeout: TimeSpan.FromSeconds(300),
        MailTimeout: TimeSpan.FromSeconds(300),
        RcptTimeout: TimeSpan.FromSeconds(300),
        DataInitTimeout: TimeSpan.FromSeconds(120),
        DataXferTimeout: TimeSpan.FromSeconds(180),
        DataDoneTimeout: TimeSpan.FromSeconds(600),
        QuitTimeout: TimeSpan.FromSeconds(300),
        Clock: clock ?? TimeProvider.System);

    /// <summary>Checks what would otherwise fail later on the wire.</summary>
    /// <exception cref="ArgumentException">An empty or unsendable HELO name, or a timeout that is not positive.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Clock);
        if (string.IsNullOrEmpty(HeloName) || HeloName.AsSpan().IndexOfAnyInRange('\0', ' ') >= 0 || HeloName.Contains('\u007f'))
        {
            throw new ArgumentException($"HELO name '{HeloName}' is empty or contains spaces or control characters.", nameof(HeloName));
        }

        foreach (TimeSpan timeout in (ReadOnlySpan<TimeSpan>)[GreetingTimeout, EhloTimeout, MailTimeout, RcptTimeout, DataInitTimeout, DataXferTimeout, DataDoneTimeout, QuitTimeout, RsetTimeout, StartTlsTimeout])
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("Every SMTP client timeout must be positive.", nameof(ClientOptions));
            }
        }
    }
}
