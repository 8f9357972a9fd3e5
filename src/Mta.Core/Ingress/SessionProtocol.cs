using Mta.Core.Queue;
using Mta.Core.Spool;
using Mta.Protocol;

namespace Mta.Core.Ingress;

/// <summary>Messages between a connection's I/O pump and its session actor.</summary>
public static class SessionProtocol
{
    /// <summary>Marker for what the pump tells the actor.</summary>
    public interface ISessionEvent;

    /// <summary>The connection is ready for the greeting; <paramref name="ClientName"/> is the client's confirmed host name or "unknown".</summary>
    public sealed record Started(string ClientName) : ISessionEvent;

    /// <summary>A command line arrived. <paramref name="MoreInputBuffered"/>: the client already sent more after it.</summary>
    public sealed record CommandReceived(SmtpCommand Command, bool MoreInputBuffered) : ISessionEvent;

    /// <summary>A command line exceeded the limit; it was discarded whole.</summary>
    public sealed record LineTooLong : ISessionEvent
    {
        /// <summary>The instance.</summary>
        public static readonly LineTooLong Instance = new();
        private LineTooLong() { }
    }

    /// <summary>
    /// Message content ended (DATA's final dot or BDAT LAST), or a BDAT chunk that is not the
    /// last one arrived (<paramref name="Body"/> null). <paramref name="WriteError"/> set when the spool
    /// could not store it.
    /// </summary>
    public sealed record ContentReceived(SpoolBody? Body, long Length, int ReceivedHeaders, bool TooBig, string? WriteError, long ChunkSize) : ISessionEvent;

    /// <summary>The TLS handshake finished (after STARTTLS, or at connect on a TLS listener).</summary>
    public sealed record TlsStarted(TlsFacts Facts) : ISessionEvent;

    /// <summary>The connection is gone (client closed, timeout, I/O error, shutdown).</summary>
    public sealed record Closed(string Reason) : ISessionEvent;

    /// <summary>What the pump does after writing <see cref="Instruction.Reply"/>.</summary>
    public enum Step
    {
        /// <summary>Read the next command line.</summary>
        ReadCommand,
        /// <summary>Read DATA content up to the final dot.</summary>
        ReadData,
        /// <summary>Read a BDAT chunk of <see cref="Instruction.ChunkSize"/> octets.</summary>
        ReadChunk,
        /// <summary>Hand the message to the group commit, then wait for the next instruction.</summary>
        Submit,
        /// <summary>Flush and close.</summary>
        Close,
        /// <summary>Throw away whatever the client sent after the STARTTLS line, then hand the socket to the TLS handshake.</summary>
        StartTls,
    }

    /// <summary>
    /// What the actor tells the pump: a reply to write (may be null), then a step.
    /// <see cref="Prefix"/> is written to the body before content (the Received header);
    /// <see cref="Limit"/> is the size beyond which content is counted but not stored;
    /// <see cref="Discard"/> reads a BDAT chunk without storing it (the transaction failed).
    /// </summary>
    public sealed record Instruction(SmtpReply? Reply, Step Next)
    {
        /// <summary>For ReadData and the first ReadChunk of a message.</summary>
        public byte[]? Prefix { get; init; }
        /// <summary>For ReadData and ReadChunk.</summary>
        public long Limit { get; init; } = long.MaxValue;
        /// <summary>For ReadChunk.</summary>
        public long ChunkSize { get; init; }
        /// <summary>For ReadChunk: this is the LAST chunk.</summary>
        public bool LastChunk { get; init; }
        /// <summary>For ReadChunk.</summary>
        public bool Discard { get; init; }
        /// <summary>For Submit.</summary>
        public MessageEnvelope? Envelope { get; init; }

        /// <summary>Reply, then read the next command.</summary>
        public static Instruction Respond(SmtpReply reply) => new(reply, Step.ReadCommand);

        /// <summary>Reply, then close.</summary>
        public static Instruction CloseWith(SmtpReply? reply) => new(reply, Step.Close);
    }
}
