using System.Buffers;
using System.Text;

namespace Mta.Protocol.Tests.Support;

/// <summary>
/// A minimal server loop over the library, used to replay whole client transcripts: it reads lines,
/// parses commands, checks them against the command table, parses arguments, and switches to DATA or
/// BDAT content when a command says so. Every step is recorded as one line of text.
/// </summary>
internal sealed class TranscriptDriver
{
    private readonly SmtpLineReader _lines = new();
    private readonly DataDecoder _data = new();
    private readonly ArrayBufferWriter<byte> _message = new();
    private SmtpState _state = SmtpState.Connected;
    private Mode _mode = Mode.Commands;
    private long _chunkRemaining;
    private bool _lastChunk;

    private enum Mode
    {
        Commands,
        Data,
        Chunk,
    }

    public List<string> Events { get; } = [];

    /// <summary>Consumes what it can; leaves a partial command line in the buffer.</summary>
    public void Consume(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            switch (_mode)
            {
                case Mode.Data:
                    if (_data.Decode(ref buffer, _message) == DataDecodeStatus.NeedMoreData)
                    {
                        return;
                    }

                    Events.Add($"MESSAGE {Sequences.Escape(Encoding.UTF8.GetString(_message.WrittenSpan))} received={_data.ReceivedHeaderCount}");
                    EndMessage();
                    break;

                case Mode.Chunk:
                    long take = Math.Min(_chunkRemaining, buffer.Length);
                    foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, take))
                    {
                        _message.Write(segment.Span);
                    }

                    buffer = buffer.Slice(take);
                    _chunkRemaining -= take;
                    if (_chunkRemaining > 0)
                    {
                        return;
                    }

                    _mode = Mode.Commands;
                    if (_lastChunk)
                    {
                        Events.Add($"MESSAGE {Sequences.Escape(Encoding.UTF8.GetString(_message.WrittenSpan))} (chunked)");
                        EndMessage();
                    }

                    break;

                default:
                    LineReadStatus status = _lines.TryReadLine(ref buffer, out ReadOnlySequence<byte> line);
                    if (status == LineReadStatus.NeedMoreData)
                    {
                        return;
                    }

                    if (status == LineReadStatus.LineTooLong)
                    {
                        Events.Add(Replies.LineTooLong.ToString());
                        break;
                    }

                    Handle(SmtpCommandParser.Parse(line));
                    break;
            }
        }
    }

    private void Handle(SmtpCommand command)
    {
        if (command.Error is not null)
        {
            Events.Add(command.Error.ToString());
            return;
        }

        CommandRule rule = SmtpCommandTable.Lookup(_state, command.Verb);
        if (!rule.Allowed)
        {
            Events.Add($"{command.Verb}: {rule.Rejection}");
            return;
        }

        SmtpReply? error = null;
        string detail = command.Argument;
        switch (command.Verb)
        {
            case SmtpVerb.Helo or SmtpVerb.Ehlo:
                if (SmtpArguments.TryParseHelo(command.Verb, command.Argument, out string? name, out error))
                {
                    detail = name;
                }

                break;
            case SmtpVerb.Mail:
                if (SmtpArguments.TryParseMailFrom(command.Argument, out MailFromArguments? mail, out error))
                {
                    detail = $"<{mail.ReversePath}> size={mail.Size} body={mail.Body} utf8={mail.SmtpUtf8}";
                }

                break;
            case SmtpVerb.Rcpt:
                if (SmtpArguments.TryParseRcptTo(command.Argument, out RcptToArguments? rcpt, out error))
                {
                    detail = $"<{rcpt.Recipient}> notify={rcpt.Notify} orcpt={rcpt.OriginalRecipient}";
                }

                break;
            case SmtpVerb.Data:
                _mode = Mode.Data;
                break;
            case SmtpVerb.Bdat:
                if (SmtpArguments.TryParseBdat(command.Argument, out _chunkRemaining, out _lastChunk, out error))
                {
                    _mode = Mode.Chunk;
                }

                break;
        }

        if (error is not null)
        {
            Events.Add($"{command.Verb}: {error}");
            return;
        }

        Events.Add($"{command.Verb} {detail}".TrimEnd());
        if (command.Verb != SmtpVerb.Bdat || _lastChunk)
        {
            _state = rule.NextState;
        }
    }

    private void EndMessage()
    {
        _message.Clear();
        _data.Reset();
        _mode = Mode.Commands;
        _state = SmtpState.Greeted;
    }
}
