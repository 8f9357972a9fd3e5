using Xunit;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// Starts one MTA process for a group of tests (an xunit fixture) on a free port with a data folder
/// of its own, and kills it at the end. Subclasses say which settings differ from the defaults.
/// </summary>
public abstract class MtaServerFixture : IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new();
    private MtaServerProcess? _server;

    /// <summary>The SMTP port on 127.0.0.1.</summary>
    public int Port => Server.Port;

    internal MtaServerProcess Server => _server ?? throw new InvalidOperationException("the server has not been started");

    internal Maildirs Maildirs => Server.Maildirs;

    /// <summary>HOCON lines inside the <c>mta</c> block.</summary>
    protected abstract string Settings { get; }

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await MtaServerProcess.StartAsync(_folder.Path, MtaServerProcess.FreePort(), Settings);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// The server most tests share: clients on 127.0.0.1 are in mynetworks (the default), with small
/// limits so that tests can reach them cheaply.
/// </summary>
public sealed class LoopbackServerFixture : MtaServerFixture
{
    /// <summary>mta.smtpd.message-size-limit.</summary>
    public const int MessageSizeLimit = 64000;

    /// <summary>mta.smtpd.recipient-limit.</summary>
    public const int RecipientLimit = 3;

    /// <summary>mta.smtpd.hard-error-limit.</summary>
    public const int HardErrorLimit = 5;

    /// <inheritdoc />
    protected override string Settings => $"""
        smtpd.message-size-limit = {MessageSizeLimit}
        smtpd.recipient-limit = {RecipientLimit}
        smtpd.hard-error-limit = {HardErrorLimit}
        """;
}

/// <summary>The test classes that share <see cref="LoopbackServerFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class LoopbackServerCollection : ICollectionFixture<LoopbackServerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Loopback server";
}

/// <summary>A server whose mynetworks does not contain 127.0.0.1, so the tests are strangers that may not relay.</summary>
public sealed class RestrictedRelayServerFixture : MtaServerFixture
{
    /// <inheritdoc />
    protected override string Settings => """
        mynetworks = ["192.0.2.0/24"]
        relay-domains = ["partner.example"]
        local-recipients { "known@localhost" = ok }
        """;
}

/// <summary>A server that lets one client address (127.0.0.1, outside mynetworks) hold two connections.</summary>
public sealed class ConnectionLimitServerFixture : MtaServerFixture
{
    /// <summary>mta.smtpd.client-connection-limit.</summary>
    public const int ClientConnectionLimit = 2;

    /// <inheritdoc />
    protected override string Settings => $"""
        mynetworks = ["192.0.2.0/24"]
        smtpd.client-connection-limit = {ClientConnectionLimit}
        """;
}

/// <summary>A server that pauses two seconds before its banner.</summary>
public sealed class GreetPauseServerFixture : MtaServerFixture
{
    /// <inheritdoc />
    protected override string Settings => "smtpd.greet-pause = 2s";
}
