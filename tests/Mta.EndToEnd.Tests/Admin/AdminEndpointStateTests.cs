using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Admin;
using Mta.Core.Queue;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>
/// The admin endpoint in this process, in front of stand-in queue actors, for what a running
/// node does not show on demand: the node starting and stopping, and a queue that does not answer.
/// </summary>
public sealed class AdminEndpointStateTests : IAsyncLifetime
{
    private const string Token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMilliseconds(300);

    private static readonly MessageView Queued = new("001M1CTJDWH70", 401, new DateTimeOffset(2026, 11, 28, 20, 16, 47, TimeSpan.Zero), "sender@client.example", false,
        [new RecipientView("x@remote.example", RecipientStatus.Deferred, 1, new DateTimeOffset(2026, 11, 28, 20, 21, 47, TimeSpan.Zero), "no transport")]);

    private readonly ActorSystem _system = ActorSystem.Create("admin-endpoint-tests");
    private readonly NodeState _node = new();
    private readonly MetricsCollector _metrics = new($"Mta.Tests.{Guid.NewGuid():N}");
    private AdminEndpoint? _endpoint;
    private HttpClient? _http;

    private HttpClient Http => _http ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _endpoint = await AdminEndpoint.StartAsync(new AdminEndpointOptions(new IPEndPoint(IPAddress.Loopback, 0), Token, AskTimeout),
            _node, _metrics, NullLoggerFactory.Instance, CancellationToken.None);
        _http = new HttpClient { BaseAddress = new Uri($"http://{_endpoint.Endpoint}/"), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_endpoint is not null) await _endpoint.DisposeAsync();
        _metrics.Dispose();
        await _system.Terminate();
    }

    [Fact]
    public void Port_0_binds_a_port_the_system_picks()
    {
        Assert.Equal(IPAddress.Loopback, _endpoint!.Endpoint.Address);
        Assert.NotEqual(0, _endpoint.Endpoint.Port);
    }

    [Fact]
    public async Task Before_the_node_has_started_it_is_live_but_not_ready_and_the_queue_api_answers_503()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Http.GetAsync("health/ready")).StatusCode);
        using var queue = await Http.GetAsync("queue");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, queue.StatusCode);
        Assert.Equal(new AdminError("the node has not started yet"), await queue.Content.ReadFromJsonAsync<AdminError>(AdminJson.Options));
    }

    [Fact]
    public async Task Once_started_it_is_ready_and_while_stopping_it_is_not_but_stays_live()
    {
        _node.Started(_system.ActorOf(Props.Create(() => new AnsweringQueue(Queued))));
        var ready = (await Http.GetAsync("health/ready")).StatusCode;

        _node.Stopping();

        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Http.GetAsync("health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("health/live")).StatusCode);
    }

    [Fact]
    public async Task The_queue_api_passes_the_queue_s_answers_through_as_json()
    {
        _node.Started(_system.ActorOf(Props.Create(() => new AnsweringQueue(Queued))));

        var listing = await Http.GetFromJsonAsync<QueueListing>("queue", AdminJson.Options);
        var shown = await Http.GetFromJsonAsync<MessageView>($"queue/{Queued.QueueId}", AdminJson.Options);
        using var hold = await Http.PostAsync($"queue/{Queued.QueueId}/hold", null);
        using var flush = await Http.PostAsync("queue/flush", null);
        using var unknown = await Http.DeleteAsync("queue/OTHER");

        Assert.Equal(Queued.QueueId, Assert.Single(listing!.Messages).QueueId);
        Assert.Equal(Queued.Recipients[0], Assert.Single(shown!.Recipients));
        Assert.Equal(new AdminResult(true, $"{Queued.QueueId}: placed on hold"), await hold.Content.ReadFromJsonAsync<AdminResult>(AdminJson.Options));
        Assert.Equal(new AdminResult(true, "1 deferred recipients scheduled for delivery now"), await flush.Content.ReadFromJsonAsync<AdminResult>(AdminJson.Options));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(new AdminResult(false, "OTHER: no such message in the queue"), await unknown.Content.ReadFromJsonAsync<AdminResult>(AdminJson.Options));
    }

    [Theory]
    [InlineData("GET", "queue")]
    [InlineData("GET", "queue/001M1CTJDWH70")]
    [InlineData("POST", "queue/flush")]
    public async Task A_queue_that_does_not_answer_in_time_gets_503_with_the_reason(string method, string path)
    {
        _node.Started(_system.ActorOf(Props.Create(() => new SilentQueue())));

        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(new AdminError("the queue did not answer within 0.3s (it may be recovering, or restarting after a journal failure)"),
            await response.Content.ReadFromJsonAsync<AdminError>(AdminJson.Options));
    }

    [Fact]
    public async Task An_address_in_use_cannot_be_bound_and_says_so()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var endpoint = (IPEndPoint)taken.LocalEndpoint;

            await Assert.ThrowsAsync<IOException>(() => AdminEndpoint.StartAsync(new AdminEndpointOptions(endpoint, Token, AskTimeout),
                _node, _metrics, NullLoggerFactory.Instance, CancellationToken.None));
        }
        finally
        {
            taken.Stop();
        }
    }

    /// <summary>Answers as the queue actor does, for one message.</summary>
    private sealed class AnsweringQueue : ReceiveActor
    {
        public AnsweringQueue(MessageView message)
        {
            Receive<ListMessages>(_ => Sender.Tell(new QueueListing([message])));
            Receive<ShowMessage>(show => Sender.Tell(new QueueListing(show.QueueId == message.QueueId ? [message] : [])));
            Receive<HoldMessage>(hold => Sender.Tell(Administered(hold.QueueId, "placed on hold")));
            Receive<DeleteMessage>(delete => Sender.Tell(Administered(delete.QueueId, "deleted")));
            Receive<FlushQueue>(_ => Sender.Tell(new AdminResult(true, "1 deferred recipients scheduled for delivery now")));

            AdminResult Administered(string queueId, string done) => queueId == message.QueueId
                ? new AdminResult(true, $"{queueId}: {done}")
                : new AdminResult(false, $"{queueId}: no such message in the queue");
        }
    }

    /// <summary>A queue that never answers: busy, or gone between restarts.</summary>
    private sealed class SilentQueue : ReceiveActor
    {
        public SilentQueue() => ReceiveAny(_ => { });
    }
}
