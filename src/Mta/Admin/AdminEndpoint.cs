using System.Net;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Admin;

/// <summary>How the admin endpoint runs.</summary>
/// <param name="Listen">The address to bind (port 0: the system picks one).</param>
/// <param name="Token">The bearer token the queue API requires.</param>
/// <param name="QueueAskTimeout">How long a queue API request waits for the queue actor before answering 503.</param>
public sealed record AdminEndpointOptions(IPEndPoint Listen, string Token, TimeSpan QueueAskTimeout)
{
    /// <summary>The queue's answer time allowed by default: generous, since a listing of a full queue is large.</summary>
    public static readonly TimeSpan DefaultQueueAskTimeout = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The HTTP admin endpoint of a node, served by Kestrel in the node's process:
/// <list type="bullet">
/// <item><c>GET /health/live</c>: 200 while the process runs.</item>
/// <item><c>GET /health/ready</c>: 200 once the node has started, 503 before and while stopping.</item>
/// <item><c>GET /metrics</c>: every instrument of meter "Mta" in Prometheus text format 0.0.4.</item>
/// <item>The queue API, each route requiring <c>Authorization: Bearer TOKEN</c> (401 otherwise):
/// <c>GET /queue</c>, <c>GET /queue/{id}</c>, <c>DELETE /queue/{id}</c>, <c>POST /queue/{id}/hold</c>,
/// <c>POST /queue/{id}/release</c>, <c>POST /queue/flush</c>; JSON as <see cref="AdminJson"/> describes,
/// 404 with the queue's text for an unknown id, 503 when the queue does not answer in time.</item>
/// </list>
/// Health and metrics need no token: probes and Prometheus cannot carry one, and they reveal no mail.
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminEndpoint(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The address bound, with the port the system chose when the options asked for port 0.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Binds the address and starts serving.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, or not an address of this machine).</exception>
    public static async Task<AdminEndpoint> StartAsync(AdminEndpointOptions options, NodeState node, MetricsCollector metrics, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        // The empty builder reads no appsettings.json and no ASPNETCORE_ variables: the HOCON
        // configuration alone decides where the endpoint listens.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);

        // The node's host owns SIGTERM and Ctrl+C; this embedded host must not react to them on its own.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.ConfigureHttpJsonOptions(json => AdminJson.Configure(json.SerializerOptions));

        WebApplication app = builder.Build();
        MapHealth(app, node);
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Format(metrics.Collect()), PrometheusText.ContentType));
        MapQueue(app, options, node);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = BoundEndpoint(app, options.Listen);
        AdminLog.Listening(loggerFactory.CreateLogger("Mta.Admin"), bound.ToString());
        return new AdminEndpoint(app, bound);
    }

    /// <summary>Stops serving (requests in progress may finish) and releases the address.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void MapHealth(IEndpointRouteBuilder routes, NodeState node)
    {
        routes.MapGet("/health/live", () => Results.Text("live\n"));
        routes.MapGet("/health/ready", () => node.IsReady
            ? Results.Text("ready\n")
            : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }

    private static void MapQueue(IEndpointRouteBuilder routes, AdminEndpointOptions options, NodeState node)
    {
        var queue = routes.MapGroup("/queue").AddEndpointFilter(async (context, next) =>
        {
            if (AdminToken.Matches(options.Token, context.HttpContext.Request.Headers.Authorization))
                return await next(context).ConfigureAwait(false);
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(new AdminError("this request needs 'Authorization: Bearer TOKEN' with the token from mta.admin.token-file"),
                statusCode: StatusCodes.Status401Unauthorized);
        });

        queue.MapGet("", (CancellationToken cancel) =>
            AskQueueAsync<QueueListing>(node, options, ListMessages.Instance, listing => Results.Ok(listing), cancel));
        queue.MapGet("/{id}", (string id, CancellationToken cancel) =>
            AskQueueAsync<QueueListing>(node, options, new ShowMessage(id), listing => listing.Messages.Count > 0
                ? Results.Ok(listing.Messages[0])
                : Results.NotFound(new AdminResult(false, $"{id}: no such message in the queue")), cancel));
        queue.MapDelete("/{id}", (string id, CancellationToken cancel) =>
            AskQueueAsync<AdminResult>(node, options, new DeleteMessage(id), Answer, cancel));
        queue.MapPost("/{id}/hold", (string id, CancellationToken cancel) =>
            AskQueueAsync<AdminResult>(node, options, new HoldMessage(id), Answer, cancel));
        queue.MapPost("/{id}/release", (string id, CancellationToken cancel) =>
            AskQueueAsync<AdminResult>(node, options, new ReleaseMessage(id), Answer, cancel));
        queue.MapPost("/flush", (CancellationToken cancel) =>
            AskQueueAsync<AdminResult>(node, options, FlushQueue.Instance, Answer, cancel));
    }

    private static IResult Answer(AdminResult result) => result.Found ? Results.Ok(result) : Results.NotFound(result);

    /// <summary>The admin path may ask (unlike the per-message path): one operator request, one bounded wait.</summary>
    private static async Task<IResult> AskQueueAsync<TReply>(NodeState node, AdminEndpointOptions options, object command, Func<TReply, IResult> answer, CancellationToken cancel)
    {
        if (node.Queue is not { } queue)
            return Unavailable("the node has not started yet");
        try
        {
            TReply reply = await queue.Ask<TReply>(command, options.QueueAskTimeout, cancel).ConfigureAwait(false);
            return answer(reply);
        }
        catch (AskTimeoutException)
        {
            return Unavailable($"the queue did not answer within {options.QueueAskTimeout.TotalSeconds:0.###}s (it may be recovering, or restarting after a journal failure)");
        }
    }

    private static IResult Unavailable(string error) => Results.Json(new AdminError(error), statusCode: StatusCodes.Status503ServiceUnavailable);

    private static IPEndPoint BoundEndpoint(WebApplication app, IPEndPoint requested)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string? first = addresses?.FirstOrDefault();
        return first is not null && Uri.TryCreate(first, UriKind.Absolute, out var uri)
            ? new IPEndPoint(requested.Address, uri.Port)
            : requested;
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The admin endpoint's log lines.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Admin endpoint listening on http://{Endpoint} (health, metrics, queue API)")]
    public static partial void Listening(ILogger logger, string endpoint);
}
