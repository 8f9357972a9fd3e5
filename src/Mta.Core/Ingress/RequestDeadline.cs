namespace Mta.Core.Ingress;

/// <summary>
/// Time allowed for one SMTP request, as Postfix's smtpd_timeout with smtpd_per_request_deadline
/// and smtpd_min_data_rate: a command line must arrive whole within the timeout; during DATA or
/// BDAT each read of N octets adds N / min-data-rate seconds, never beyond the timeout from now,
/// so a client trickling a byte at a time runs out of time while a slow but steady one does not.
/// Without per-request deadlines every read gets the full timeout (an idle timeout).
/// </summary>
public sealed class RequestDeadline(TimeSpan timeout, bool perRequest, int minDataRate)
{
    private DateTimeOffset _deadline;

    /// <summary>A new request (command line or message content) starts now.</summary>
    public void Start(DateTimeOffset now) => _deadline = now + timeout;

    /// <summary>A read returned <paramref name="octets"/> of message content at <paramref name="now"/>.</summary>
    public void OnContent(DateTimeOffset now, long octets)
    {
        if (!perRequest)
        {
            _deadline = now + timeout;
            return;
        }
        var credit = minDataRate > 0 ? TimeSpan.FromSeconds((double)octets / minDataRate) : timeout;
        var extended = _deadline + credit;
        var cap = now + timeout;
        _deadline = extended < cap ? extended : cap;
    }

    /// <summary>A read of a command line returned at <paramref name="now"/>; only without per-request deadlines does it earn more time.</summary>
    public void OnCommandBytes(DateTimeOffset now)
    {
        if (!perRequest) _deadline = now + timeout;
    }

    /// <summary>How long the next read may wait; zero or less means the time is up.</summary>
    public TimeSpan Remaining(DateTimeOffset now) => _deadline - now;
}
