using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using Mta.Admin;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using static Mta.Core.Queue.QueueProtocol;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>The admin endpoint of a running <c>mta serve</c>: probes, metrics, and the token on the queue API.</summary>
/// <remarks>Unix only: the token's permissions are part of what is tested.</remarks>
[SupportedOSPlatform("linux")]
[Collection(AdminServerCollection.Name)]
public sealed class AdminEndpointTests(AdminServerFixture server)
{
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string, string> QueueRoutesAndBadCredentials()
    {
        (string Method, string Path)[] routes =
        [
            ("GET", "queue"), ("GET", "queue/0000000000000"), ("DELETE", "queue/0000000000000"),
            ("POST", "queue/0000000000000/hold"), ("POST", "queue/0000000000000/release"), ("POST", "queue/flush"),
        ];
        string[] credentials = ["none", "wrong token", "right token, Basic scheme", "right token with one more character", "empty Bearer"];
        var data = new TheoryData<string, string, string>();
        foreach (var (method, path) in routes)
            foreach (var credential in credentials)
                data.Add(method, path, credential);
        return data;
    }

    [Theory]
    [InlineData("health/live")]
    [InlineData("health/ready")]
    public async Task Health_probes_answer_200_once_the_node_has_started(string path)
    {
        var status = await PollAsync(async () => (await server.Http.GetAsync(path)).StatusCode, s => s == HttpStatusCode.OK, "200");

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_and_count_accepted_messages()
    {
        var before = ExpositionFormat.ValueOf(ExpositionFormat.Parse(await ScrapeAsync()), "mta_messages_accepted_total") ?? 0;

        await server.SendMessageAsync("metrics@localhost");

        var after = await PollAsync(
            async () => ExpositionFormat.ValueOf(ExpositionFormat.Parse(await ScrapeAsync()), "mta_messages_accepted_total") ?? 0,
            value => value > before, $"more than {before}");
        Assert.True(after >= before + 1, $"mta_messages_accepted_total went from {before} to {after}");
    }

    [Fact]
    public async Task Metrics_include_every_instrument_of_the_meter_with_its_type()
    {
        await server.SendMessageAsync("types@localhost");

        // The delivery is counted when the Maildir write completes, a moment after the 250.
        var text = await PollAsync(ScrapeAsync, scrape => scrape.Contains("mta_delivery_attempts_total{", StringComparison.Ordinal), "a delivery attempt");
        using var response = await server.Http.GetAsync("metrics");

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var samples = ExpositionFormat.Parse(text);
        Assert.Contains("# TYPE mta_messages_accepted_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mta_queue_commit_batch_size histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mta_smtpd_sessions_open gauge\n", text, StringComparison.Ordinal);
        Assert.Contains(samples, s => s.Name == "mta_queue_commit_batch_size_bucket" && s.Labels["le"] == "+Inf" && s.Value >= 1);
        Assert.Contains(samples, s => s.Name == "mta_delivery_attempts_total" && s.Labels.GetValueOrDefault("status") == "sent" && s.Labels.GetValueOrDefault("relay") == "local");
    }

    [Theory]
    [MemberData(nameof(QueueRoutesAndBadCredentials))]
    public async Task The_queue_api_refuses_a_request_without_the_token(string method, string path, string credential)
    {
        var token = AdminToken.Read(server.TokenFile);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = credential switch
        {
            "none" => null,
            "wrong token" => new AuthenticationHeaderValue("Bearer", AdminToken.Generate()),
            "right token, Basic scheme" => new AuthenticationHeaderValue("Basic", token),
            "right token with one more character" => new AuthenticationHeaderValue("Bearer", token + "0"),
            "empty Bearer" => new AuthenticationHeaderValue("Bearer"),
            _ => throw new ArgumentOutOfRangeException(nameof(credential), credential, null),
        };

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task The_token_file_is_readable_by_its_owner_only_and_opens_the_queue_api()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.TokenFile));
        Assert.Matches("^[0-9a-f]{64}$", AdminToken.Read(server.TokenFile));

        using var response = await server.SendWithTokenAsync(HttpMethod.Get, "queue");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(await response.Content.ReadFromJsonAsync<QueueListing>(AdminJson.Options));
    }

    [Theory]
    [InlineData("GET", "queue/NOSUCHMESSAGE")]
    [InlineData("DELETE", "queue/NOSUCHMESSAGE")]
    [InlineData("POST", "queue/NOSUCHMESSAGE/hold")]
    [InlineData("POST", "queue/NOSUCHMESSAGE/release")]
    public async Task An_unknown_queue_id_gets_404_with_the_queue_s_text(string method, string path)
    {
        using var response = await server.SendWithTokenAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(new AdminResult(false, "NOSUCHMESSAGE: no such message in the queue"), await response.Content.ReadFromJsonAsync<AdminResult>(AdminJson.Options));
    }

    [Fact]
    public async Task The_queue_api_shows_a_deferred_message_in_camel_case_json()
    {
        var message = await server.SendDeferredMessageAsync();

        using var response = await server.SendWithTokenAsync(HttpMethod.Get, $"queue/{message.QueueId}");
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.StartsWith($$"""{"queueId":"{{message.QueueId}}","size":""", json, StringComparison.Ordinal);
        Assert.Contains($$""","sender":"{{TestMessages.Sender}}","held":false,"recipients":[{"address":"{{message.Recipients[0].Address}}","status":"deferred","attempts":""", json, StringComparison.Ordinal);
        Assert.Contains("\"nextAttempt\":\"", json, StringComparison.Ordinal);
        Assert.Contains("\"lastError\":\"", json, StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await server.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string expected)
    {
        var deadline = DateTime.UtcNow + ScrapeTimeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"expected {expected} within {ScrapeTimeout}, last got {value}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
