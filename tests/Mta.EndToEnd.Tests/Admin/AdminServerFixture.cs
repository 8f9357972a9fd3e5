using System.Net.Http.Headers;
using System.Text.Json;
using Mta.Admin;
using Mta.Core.Queue;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>
/// A server with its admin endpoint on a free port of its own, and mail for <see cref="RemoteDomain"/>
/// routed to a port where nothing listens, so that such mail stays queued, deferred, for the queue
/// commands to work on (with or without onward SMTP delivery in the node).
/// </summary>
public sealed class AdminServerFixture : MtaServerFixture, IAsyncLifetime
{
    /// <summary>A domain that is neither local nor reachable: its mail is deferred and stays queued.</summary>
    public const string RemoteDomain = "remote.example";

    private static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly int _unreachablePort = MtaServerProcess.FreePort();

    /// <summary>Picks the admin port.</summary>
    public AdminServerFixture()
    {
        AdminPort = MtaServerProcess.FreePort();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The admin endpoint's port on 127.0.0.1.</summary>
    public int AdminPort { get; }

    /// <summary>A client for the admin endpoint that sends no token unless a request carries one.</summary>
    public HttpClient Http => _http;

    /// <summary>The configuration file the server runs with, for <c>mta queue --config</c>.</summary>
    public string ConfigFile => Server.ConfigFile;

    /// <summary>The default token file: admin.token in the data folder.</summary>
    public string TokenFile => Path.Combine(Server.DataDir, "admin.token");

    /// <inheritdoc />
    protected override string Settings => $$"""
        admin.listen = "127.0.0.1:{{AdminPort}}"
        transport-maps { "{{RemoteDomain}}" = "smtp:[127.0.0.1]:{{_unreachablePort}}" }
        """;

    /// <summary>A request to the admin endpoint with the node's token.</summary>
    public async Task<HttpResponseMessage> SendWithTokenAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken.Read(TokenFile));
        return await _http.SendAsync(request);
    }

    /// <summary>One message from <see cref="TestMessages.Sender"/> to <paramref name="recipient"/>; returns its queue id from the 250 reply.</summary>
    public async Task<string> SendMessageAsync(string recipient)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(Port);
        var reply = RawSmtpConnection.Expect(await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, TestMessages.NewMessageId())), 250);
        const string queuedAs = "queued as ";
        var line = reply.Lines[0];
        return line[(line.IndexOf(queuedAs, StringComparison.Ordinal) + queuedAs.Length)..].Trim();
    }

    /// <summary>
    /// Sends a message to a new recipient in <see cref="RemoteDomain"/> and waits, through the queue
    /// API, until its recipient is deferred; returns the message as the API shows it.
    /// </summary>
    public async Task<MessageView> SendDeferredMessageAsync()
    {
        var queueId = await SendMessageAsync($"{Guid.NewGuid():N}@{RemoteDomain}");
        return await WaitForMessageAsync(queueId, message => message.Recipients[0].Status == RecipientStatus.Deferred, "its recipient deferred");
    }

    /// <summary>Asks the queue API for <paramref name="queueId"/> until <paramref name="done"/> holds; fails after a bound.</summary>
    public async Task<MessageView> WaitForMessageAsync(string queueId, Func<MessageView, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + QueueTimeout;
        while (true)
        {
            using var response = await SendWithTokenAsync(HttpMethod.Get, $"queue/{queueId}");
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && JsonSerializer.Deserialize<MessageView>(body, AdminJson.Options) is { } message && done(message))
                return message;
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"message {queueId} was not {what} within {QueueTimeout}; last answer: {(int)response.StatusCode} {body}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Kills the server and closes the client.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        _http.Dispose();
        await DisposeAsync();
    }
}

/// <summary>The admin test classes share one server and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AdminServerCollection : ICollectionFixture<AdminServerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Admin server";
}
