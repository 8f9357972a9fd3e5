using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mta.Admin;

/// <summary>
/// The JSON of the queue API, shared by the endpoint and <c>mta queue</c>: camelCase names, enums
/// as camelCase strings (<c>"deferred"</c>), ISO 8601 times. The bodies are the queue's own
/// operator views (<see cref="Mta.Core.Queue.QueueProtocol.QueueListing"/>,
/// <see cref="Mta.Core.Queue.QueueProtocol.MessageView"/>, <see cref="Mta.Core.Queue.QueueProtocol.AdminResult"/>)
/// and <see cref="AdminError"/>.
/// </summary>
public static class AdminJson
{
    /// <summary>The serializer options of the queue API.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the queue API's conventions to <paramref name="options"/> (the endpoint's own options object) and returns it.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}

/// <summary>The body of a queue API answer that carries no result: 401, or 503 when the queue cannot answer.</summary>
/// <param name="Error">What went wrong, in words for the operator.</param>
public sealed record AdminError(string Error);
