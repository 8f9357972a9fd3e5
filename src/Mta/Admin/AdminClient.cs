using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mta.Core.Configuration;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.Admin;

/// <summary>
/// The queue API as <c>mta queue</c> calls it: finds the endpoint and the token from the node's
/// settings, sends one request and turns each way it can fail into an <see cref="AdminClientException"/>
/// with the exit code and the words for the operator.
/// </summary>
public sealed class AdminClient : IDisposable
{
    /// <summary>Exit code: the message does not exist.</summary>
    public const int NotFound = 1;

    /// <summary>Exit code: the node cannot be reached or cannot answer.</summary>
    public const int Unreachable = 2;

    /// <summary>Exit code: the token cannot be read, or the node refuses it.</summary>
    public const int TokenUnusable = 3;

    private static readonly TimeSpan RequestTimeout = AdminEndpointOptions.DefaultQueueAskTimeout + TimeSpan.FromSeconds(20);

    private readonly HttpClient _http;
    private readonly string _tokenFile;

    private AdminClient(HttpClient http, string endpoint, string tokenFile)
    {
        _http = http;
        _tokenFile = tokenFile;
        Endpoint = endpoint;
    }

    /// <summary>The endpoint as <c>host:port</c>, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// A client for the endpoint of <paramref name="settings"/>, with the token read from its token
    /// file. An endpoint bound to every address (<c>*</c>, <c>[::]</c>) is called on loopback.
    /// </summary>
    /// <exception cref="AdminClientException">The endpoint is disabled or has no fixed port, or the token cannot be read.</exception>
    public static AdminClient Create(AdminSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Listen is not { } listen)
            throw new AdminClientException(Unreachable, "the admin endpoint is disabled in this configuration (mta.admin.listen is empty)");
        if (listen.Port == 0)
            throw new AdminClientException(Unreachable, "mta.admin.listen has port 0 in this configuration, so the endpoint's port is not known; give it a fixed port");

        var address = listen.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : listen.Address;
        var endpoint = new IPEndPoint(address, listen.Port);
        string token = ReadToken(settings.TokenFile, endpoint.ToString());
        var http = new HttpClient
        {
            BaseAddress = new Uri($"http://{endpoint}/"),
            Timeout = RequestTimeout,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new AdminClient(http, endpoint.ToString(), settings.TokenFile);
    }

    /// <summary><c>GET /queue</c>: every message.</summary>
    public async Task<QueueListing> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "queue", cancellationToken).ConfigureAwait(false);
        return await ReadAsync<QueueListing>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /queue/ID</c>: one message.</summary>
    /// <exception cref="AdminClientException">With <see cref="NotFound"/> and the queue's text when there is no such message.</exception>
    public async Task<MessageView> ShowAsync(string queueId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, MessagePath(queueId), cancellationToken).ConfigureAwait(false);
        return await ReadAsync<MessageView>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An operator command: <paramref name="method"/> on <paramref name="path"/> (<c>queue/ID</c> with
    /// DELETE, <c>queue/ID/hold</c>, <c>queue/ID/release</c>, <c>queue/flush</c> with POST).
    /// </summary>
    /// <exception cref="AdminClientException">With <see cref="NotFound"/> and the queue's text when there is no such message.</exception>
    public async Task<AdminResult> CommandAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<AdminResult>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The queue id as a path segment.</summary>
    public static string MessagePath(string queueId, string? action = null) =>
        "queue/" + Uri.EscapeDataString(queueId) + (action is null ? string.Empty : "/" + action);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static string ReadToken(string tokenFile, string endpoint)
    {
        try
        {
            return AdminToken.Read(tokenFile);
        }
        catch (FileNotFoundException)
        {
            throw new AdminClientException(Unreachable,
                $"the admin token file {tokenFile} does not exist; the node writes it when it starts (is 'mta serve' running with this configuration? its endpoint is {endpoint})");
        }
        catch (UnauthorizedAccessException)
        {
            throw new AdminClientException(TokenUnusable,
                $"cannot read the admin token file {tokenFile}: permission denied; it is readable only by root and the user 'mta serve' runs as (the mta user)");
        }
        catch (IOException e)
        {
            throw new AdminClientException(TokenUnusable, $"cannot read the admin token file {tokenFile}: {e.Message}");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            throw new AdminClientException(Unreachable, $"cannot reach the admin endpoint at {Endpoint} (is 'mta serve' running with this configuration?)");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AdminClientException(Unreachable, $"the admin endpoint at {Endpoint} did not answer within {RequestTimeout.TotalSeconds:0}s");
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await DecodeAsync<T>(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new AdminClientException(Unreachable, $"the service at {Endpoint} (HTTP {(int)response.StatusCode}) does not answer as the queue API does: {e.Message}");
        }
    }

    private async Task<T> DecodeAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return await response.Content.ReadFromJsonAsync<T>(AdminJson.Options, cancellationToken).ConfigureAwait(false)
                    ?? throw new AdminClientException(Unreachable, $"the admin endpoint at {Endpoint} answered with an empty body");
            case HttpStatusCode.NotFound:
                var missing = await response.Content.ReadFromJsonAsync<AdminResult>(AdminJson.Options, cancellationToken).ConfigureAwait(false);
                throw new AdminClientException(NotFound, missing?.Text ?? "no such message in the queue");
            case HttpStatusCode.Unauthorized:
                throw new AdminClientException(TokenUnusable,
                    $"the admin endpoint at {Endpoint} refused the token in {_tokenFile} (was the file written by another node, or is another service on that port?)");
            case HttpStatusCode.ServiceUnavailable:
                var error = await response.Content.ReadFromJsonAsync<AdminError>(AdminJson.Options, cancellationToken).ConfigureAwait(false);
                throw new AdminClientException(Unreachable, $"the node at {Endpoint} cannot answer now: {error?.Error ?? "service unavailable"}");
            default:
                throw new AdminClientException(Unreachable, $"the admin endpoint at {Endpoint} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}

/// <summary>A queue API call failed; <see cref="ExitCode"/> is what <c>mta queue</c> exits with.</summary>
public sealed class AdminClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AdminClientException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code for the command line.</summary>
    public int ExitCode { get; }
}
