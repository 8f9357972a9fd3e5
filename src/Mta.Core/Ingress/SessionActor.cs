using System.Text;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;
using static Mta.Core.Ingress.SessionProtocol;

namespace Mta.Core.Ingress;

/// <summary>What every session of a node shares.</summary>
public sealed record SessionContext(MtaSettings Settings, SpoolStore Spool, QueueIdGenerator QueueIds, TimeProvider Clock, ILogger Logger)
{
    /// <summary>relay-clientcerts, when TLS is configured.</summary>
    public RelayClientCerts? RelayClientCerts { get; init; }
}

/// <summary>
/// One SMTP session: its state (greeting, transaction, recipients, error count) and every
/// decision (what to answer, who may relay, whether a message is accepted). The I/O pump
/// (<see cref="SmtpConnection"/>) tells it what arrived and does what it says; this actor never
/// blocks and message bodies never pass through it.
/// </summary>
public sealed class SessionActor : ReceiveActor
{
    private readonly ISmtpConnection _connection;
    private readonly SessionContext _context;
    private readonly MtaSettings _settings;
    private readonly ILogger _log;
    private readonly bool _clientInMynetworks;
    private readonly string _clientAddress;
    private string _clientName = ClientNameResolver.Unknown;
    private readonly List<EnvelopeRecipient> _recipients = new();
    private SmtpState _state = SmtpState.Connected;
    private string _helo = string.Empty;
    private bool _esmtp;
    private MailFromArguments? _mail;
    private string? _queueId;
    private int _errors;
    private bool _bdatStarted;
    private SmtpReply? _bdatFailure;
    private int _messages;
    private readonly bool _tlsOffered;
    private TlsFacts? _tls;
    private bool _greeted;
    private SmtpReply? _certificateFailure;

    /// <summary>Creates the session for an accepted connection.</summary>
    public SessionActor(ISmtpConnection connection, SessionContext context)
    {
        _connection = connection;
        _context = context;
        _settings = context.Settings;
        _log = context.Logger;
        var address = connection.RemoteEndPoint.Address;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        _clientAddress = address.ToString();
        _clientInMynetworks = _settings.MyNetworks.Contains(address);

        _tlsOffered = _settings.SmtpdTls.Enabled && _settings.SmtpdTls.Level != SmtpdTlsLevel.None;
        Receive<TlsStarted>(OnTlsStarted);
        Receive<Started>(started =>
        {
            _greeted = true;
            _clientName = started.ClientName;
            SessionLog.Connect(_log, _clientName, _clientAddress);
            MtaMetrics.SessionsOpened.Add(1);
            Respond(Replies.Greeting(_settings.MyHostname));
        });
        Receive<CommandReceived>(OnCommand);
        Receive<LineTooLong>(_ => Reject(Replies.LineTooLong));
        Receive<ContentReceived>(OnContent);
        Receive<QueueProtocol.Enqueued>(OnEnqueued);
        Receive<QueueProtocol.EnqueueFailed>(failed =>
        {
            SessionLog.NotQueued(_log, failed.QueueId, failed.Reason);
            ResetTransaction();
            Respond(Replies.LocalErrorInProcessing);
        });
        Receive<Closed>(closed =>
        {
            SessionLog.Disconnect(_log, _clientName, _clientAddress, _messages, closed.Reason);
            Context.Stop(Self);
        });
    }

    private void OnCommand(CommandReceived received)
    {
        var command = received.Command;
        if (_errors >= _settings.Smtpd.HardErrorLimit)
        {
            SessionLog.TooManyErrors(_log, command.Verb.ToString().ToUpperInvariant(), _clientName, _clientAddress);
            _connection.Instruct(Instruction.CloseWith(Replies.TooManyErrors(_settings.MyHostname)));
            return;
        }
        if (_certificateFailure is { } certificateFailure)
        {
            _connection.Instruct(Instruction.CloseWith(certificateFailure));
            return;
        }
        if (command.Error is not null)
        {
            Reject(command.Error);
            return;
        }
        // A BDAT chunk follows its command whatever the answer, so it is read even when refused.
        if (command.Verb == SmtpVerb.Bdat)
        {
            OnBdat(command);
            return;
        }
        var rule = SmtpCommandTable.Lookup(_state, command.Verb);
        if (_tls is null && _settings.SmtpdTls.Level == SmtpdTlsLevel.Encrypt && (rule.Flags & CommandFlags.AllowedBeforeTls) == 0)
        {
            Reject(Replies.MustStartTlsFirst);
            return;
        }
        if (!rule.Allowed)
        {
            Reject(rule.Rejection ?? Replies.BadSequence);
            return;
        }
        switch (command.Verb)
        {
            case SmtpVerb.Ehlo:
            case SmtpVerb.Helo:
                OnHelo(command, received.MoreInputBuffered);
                break;
            case SmtpVerb.Mail:
                OnMail(command);
                break;
            case SmtpVerb.Rcpt:
                OnRcpt(command);
                break;
            case SmtpVerb.Data:
                OnData(received.MoreInputBuffered);
                break;
            case SmtpVerb.Rset:
                ResetTransaction();
                Respond(Replies.Ok);
                break;
            case SmtpVerb.Noop:
                Respond(Replies.Ok);
                break;
            case SmtpVerb.Help:
                Respond(Replies.Help);
                break;
            case SmtpVerb.Vrfy:
                Respond(command.Argument.Length == 0 ? Replies.VrfySyntax : Replies.VrfyCannot);
                break;
            case SmtpVerb.Quit:
                _connection.Instruct(Instruction.CloseWith(Replies.Bye));
                break;
            case SmtpVerb.StartTls when _tls is not null:
                Reject(Replies.TlsAlreadyActive);
                break;
            case SmtpVerb.StartTls when !_tlsOffered:
                Reject(Replies.NotImplemented);
                break;
            case SmtpVerb.StartTls when command.Argument.Length > 0:
                Reject(Replies.StartTlsSyntax);
                break;
            case SmtpVerb.StartTls:
                _connection.Instruct(new Instruction(Replies.ReadyToStartTls, Step.StartTls));
                break;
            default:
                // EXPN and AUTH are not offered by this server.
                Reject(Replies.NotImplemented);
                break;
        }
    }

    private void OnHelo(SmtpCommand command, bool moreInput)
    {
        if (!SmtpArguments.TryParseHelo(command.Verb, command.Argument, out var domain, out var error))
        {
            Reject(error);
            return;
        }
        if (command.Verb == SmtpVerb.Ehlo && moreInput)
        {
            ProtocolViolation("EHLO");
            return;
        }
        ResetTransaction();
        _helo = domain;
        _esmtp = command.Verb == SmtpVerb.Ehlo;
        _state = SmtpState.Greeted;
        Respond(_esmtp
            ? Replies.Ehlo(_settings.MyHostname, domain, _tlsOffered && _tls is null ? ExtensionsWithStartTls : Extensions)
            : Replies.Helo(_settings.MyHostname));
    }

    private IReadOnlyList<string> Extensions =>
    [
        "PIPELINING",
        $"SIZE {_settings.Smtpd.MessageSizeLimit}",
        "ENHANCEDSTATUSCODES",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "DSN",
    ];

    private IReadOnlyList<string> ExtensionsWithStartTls => [.. Extensions, "STARTTLS"];

    /// <summary>
    /// After the handshake the session starts over (RFC 3207): no greeting name, no transaction.
    /// With req-ccert, a client without a trusted certificate gets 421 at its next command, as Postfix does.
    /// </summary>
    private void OnTlsStarted(TlsStarted started)
    {
        _tls = started.Facts;
        ResetTransaction();
        _state = SmtpState.Connected;
        _helo = string.Empty;
        _esmtp = false;
        if (_settings.SmtpdTls.RequireCcert && !(started.Facts.ClientCertificate && started.Facts.Verified))
            _certificateFailure = started.Facts.ClientCertificate
                ? Replies.ClientCertificateNotTrusted(_settings.MyHostname)
                : Replies.NoClientCertificate(_settings.MyHostname);
        // On a TLS listener the handshake comes before the greeting, which Started sends.
        if (_greeted) _connection.Instruct(new Instruction(null, Step.ReadCommand));
    }

    private void OnMail(SmtpCommand command)
    {
        if (_bdatStarted)
        {
            Reject(Replies.MailAfterBdat);
            return;
        }
        if (!SmtpArguments.TryParseMailFrom(command.Argument, out var mail, out var error))
        {
            Reject(error);
            return;
        }
        if (mail.Size is { } size && size > _settings.Smtpd.MessageSizeLimit)
        {
            Reject(Replies.MessageSizeExceedsLimit);
            return;
        }
        if (_context.Spool.AvailableFreeSpace < _settings.Spool.MinFreeSpace + (mail.Size ?? 0))
        {
            SessionLog.LowDisk(_log, _settings.DataDir);
            Reject(Replies.InsufficientStorage);
            return;
        }
        if (mail.ReversePath is { IsUtf8: true } && !mail.SmtpUtf8)
        {
            Reject(Replies.Utf8NotEnabled);
            return;
        }
        _mail = mail;
        _state = SmtpState.Mail;
        Respond(Replies.SenderOk);
    }

    private void OnRcpt(SmtpCommand command)
    {
        if (_bdatStarted)
        {
            Reject(Replies.RcptAfterBdat);
            return;
        }
        if (!SmtpArguments.TryParseRcptTo(command.Argument, out var rcpt, out var error))
        {
            Reject(error);
            return;
        }
        if (_recipients.Count >= _settings.Smtpd.RecipientLimit)
        {
            Respond(Replies.TooManyRecipients);
            return;
        }
        var mailbox = rcpt.Recipient;
        if (mailbox.IsUtf8 && !_mail!.SmtpUtf8)
        {
            Reject(Replies.Utf8NotEnabled);
            return;
        }
        var domain = mailbox.Domain.Length == 0 ? DefaultLocalDomain : mailbox.Domain;
        var address = mailbox.Domain.Length == 0 ? $"{mailbox.LocalPart}@{domain}" : mailbox.ToString();
        var isLocal = _settings.IsLocalDomain(domain);
        // RFC 5321 4.5.1: Postmaster of a local domain is always accepted.
        if (!(isLocal && mailbox.IsPostmaster))
        {
            var context = new RelayContext(_clientInMynetworks, isLocal || _settings.RelayDomains.Matches(domain), address, _tls, _context.RelayClientCerts);
            if (RelayPolicy.Evaluate(_settings.Smtpd.RecipientRestrictions, context) is { } denied)
            {
                SessionLog.RecipientRejected(_log, _clientName, _clientAddress, denied.ToString(), _mail!.ReversePath?.ToString() ?? string.Empty, address);
                MtaMetrics.RecipientsRejected.Add(1);
                Reject(denied);
                return;
            }
            if (isLocal && _settings.LocalRecipients is { } table && !table.Contains(mailbox.LocalPart, domain))
            {
                Reject(Replies.UnknownLocalUser(address));
                return;
            }
        }
        _recipients.Add(new EnvelopeRecipient(address, rcpt.Notify, rcpt.OriginalRecipient));
        _state = SmtpState.Rcpt;
        Respond(Replies.RecipientOk);
    }

    private string DefaultLocalDomain => _settings.MyDestination.Count > 0 ? _settings.MyDestination[0] : _settings.MyHostname;

    private void OnData(bool moreInput)
    {
        if (_bdatStarted)
        {
            Reject(Replies.DataAfterBdat);
            return;
        }
        if (moreInput)
        {
            ProtocolViolation("DATA");
            return;
        }
        _connection.Instruct(new Instruction(Replies.StartMailInput, Step.ReadData)
        {
            Prefix = BeginMessage(),
            Limit = _settings.Smtpd.MessageSizeLimit,
        });
        _lastChunk = true;
    }

    private void OnBdat(SmtpCommand command)
    {
        if (!SmtpArguments.TryParseBdat(command.Argument, out var size, out var last, out var error))
        {
            Reject(error);
            return;
        }
        var failure = _bdatFailure;
        if (failure is null && size == 0 && !last)
            failure = Replies.NullBdat;
        if (failure is null && _state != SmtpState.Rcpt)
            failure = SmtpCommandTable.Lookup(_state, SmtpVerb.Bdat).Rejection ?? Replies.BadSequence;
        if (failure is not null)
        {
            _bdatFailure = last ? null : failure;
            _pendingChunkReply = failure;
            _connection.Instruct(new Instruction(null, Step.ReadChunk) { ChunkSize = size, LastChunk = last, Discard = true });
            return;
        }
        _connection.Instruct(new Instruction(null, Step.ReadChunk)
        {
            Prefix = _bdatStarted ? null : BeginMessage(),
            ChunkSize = size,
            LastChunk = last,
            Limit = _settings.Smtpd.MessageSizeLimit,
        });
        _bdatStarted = true;
        _lastChunk = last;
    }

    private SmtpReply? _pendingChunkReply;
    private bool _lastChunk;

    private byte[] BeginMessage()
    {
        _queueId = _context.QueueIds.Next();
        var header = ReceivedHeader.Build(
            _helo.Length == 0 ? _clientAddress : _helo, _clientName, _clientAddress,
            _tls is not null && _settings.SmtpdTls.ReceivedHeader ? _tls.ReceivedLines() : [],
            _settings.MyHostname, ReceivedHeader.Protocol(_esmtp, tls: _tls is not null, _mail!.SmtpUtf8),
            _queueId, _recipients.Count == 1 ? _recipients[0].Address : null, _context.Clock.GetUtcNow());
        return Encoding.UTF8.GetBytes(header);
    }

    private void OnContent(ContentReceived content)
    {
        if (_pendingChunkReply is { } refused)
        {
            _pendingChunkReply = null;
            Reject(refused);
            return;
        }
        if (content.WriteError is not null)
        {
            SessionLog.SpoolWriteFailed(_log, _queueId ?? "-", content.WriteError);
            FailTransaction(Replies.LocalErrorInProcessing);
            return;
        }
        if (content.TooBig)
        {
            FailTransaction(Replies.MessageTooBig);
            return;
        }
        if (content.Body is null)
        {
            Respond(Replies.BdatChunkOk(content.ChunkSize));
            return;
        }
        // Our own Received header counts as a hop too.
        if (content.ReceivedHeaders + 1 > _settings.HopcountLimit)
        {
            SessionLog.TooManyHops(_log, _queueId!, content.ReceivedHeaders, _clientName, _clientAddress);
            FailTransaction(Replies.TooManyHops);
            return;
        }
        var mail = _mail!;
        var envelope = new MessageEnvelope(
            _queueId!, mail.ReversePath?.ToString() ?? string.Empty, _context.Clock.GetUtcNow().ToUnixTimeMilliseconds(),
            content.Body, _recipients.ToArray(), mail.Body, mail.SmtpUtf8, mail.Ret, mail.EnvId, _clientAddress, _helo);
        _connection.Instruct(new Instruction(null, Step.Submit) { Envelope = envelope });
    }

    private void FailTransaction(SmtpReply reply)
    {
        MtaMetrics.MessagesRejected.Add(1);
        // A failed BDAT transaction keeps refusing its remaining chunks until LAST or RSET.
        var chunksFollow = _bdatStarted && !_lastChunk;
        ResetTransaction();
        if (chunksFollow) _bdatFailure = reply;
        Reject(reply);
    }

    private void OnEnqueued(QueueProtocol.Enqueued enqueued)
    {
        _messages++;
        MtaMetrics.MessagesAccepted.Add(1);
        SessionLog.Accepted(_log, enqueued.QueueId, _clientName, _clientAddress);
        ResetTransaction();
        Respond(Replies.Queued(enqueued.QueueId));
    }

    private void ProtocolViolation(string after)
    {
        SessionLog.PipeliningViolation(_log, after, _clientName, _clientAddress);
        _connection.Instruct(Instruction.CloseWith(Replies.PipeliningViolation));
    }

    private void ResetTransaction()
    {
        _mail = null;
        _recipients.Clear();
        _queueId = null;
        _bdatStarted = false;
        _bdatFailure = null;
        if (_state is SmtpState.Mail or SmtpState.Rcpt) _state = SmtpState.Greeted;
    }

    private void Respond(SmtpReply reply) => _connection.Instruct(Instruction.Respond(reply));

    private void Reject(SmtpReply reply)
    {
        _errors++;
        Respond(reply);
    }
}
