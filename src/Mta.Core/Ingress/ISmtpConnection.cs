using System.Net;

namespace Mta.Core.Ingress;

/// <summary>What a session actor needs of its connection: who the client is, and a way to tell the pump what to do.</summary>
public interface ISmtpConnection
{
    /// <summary>The client.</summary>
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>What the pump does next. Thread-safe, never blocks.</summary>
    void Instruct(SessionProtocol.Instruction instruction);
}
