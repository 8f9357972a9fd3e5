using System.Net;
using System.Text;
using Mta.Core.Tests.Routing;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// The client's host name through a real socket: clients connect from other loopback addresses,
/// whose PTR and address records dnsmasq serves, and the server writes the name it confirmed (or
/// "unknown") into the Received header and its log, as Postfix does.
/// </summary>
public sealed class ClientNameTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _root = new();
    private readonly DnsmasqServer _dns = DnsmasqServer.Start(
    [
        "--local=/127.in-addr.arpa/",
        "--host-record=client.ptr.test,127.0.0.2",
        "--ptr-record=3.0.0.127.in-addr.arpa,liar.ptr.test",
        "--host-record=liar.ptr.test,127.0.0.33",
    ]);

    [Fact]
    public async Task A_client_whose_PTR_name_leads_back_to_its_address_is_named_in_the_Received_header_and_the_log()
    {
        await using var server = await StartAsync();

        var received = await SendFromAsync(server, IPAddress.Parse("127.0.0.2"), "named@localhost");

        Assert.StartsWith("Received: from client.example (client.ptr.test [127.0.0.2])", received, StringComparison.Ordinal);
        await Poll.UntilAsync(() => server.Output, log => log.Contains(": client=client.ptr.test[127.0.0.2]", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), log => $"no client= line with the name:\n{log}");
    }

    [Fact]
    public async Task A_client_whose_PTR_name_does_not_lead_back_is_unknown_and_the_mismatch_is_logged()
    {
        await using var server = await StartAsync();

        var received = await SendFromAsync(server, IPAddress.Parse("127.0.0.3"), "unnamed@localhost");

        Assert.StartsWith("Received: from client.example (unknown [127.0.0.3])", received, StringComparison.Ordinal);
        Assert.Contains("hostname liar.ptr.test does not resolve to address 127.0.0.3", server.Output, StringComparison.Ordinal);
        Assert.Contains(": client=unknown[127.0.0.3]", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_peername_lookup_off_every_client_is_unknown()
    {
        await using var server = await StartAsync("smtpd.peername-lookup = no");

        var received = await SendFromAsync(server, IPAddress.Parse("127.0.0.2"), "off@localhost");

        Assert.StartsWith("Received: from client.example (unknown [127.0.0.2])", received, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _dns.Dispose();
        _root.Dispose();
    }

    private Task<MtaServerProcess> StartAsync(string extra = "") =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "server"), MtaServerProcess.FreePort(), $$"""
            dns.servers = ["{{_dns.EndPoint}}"]
            mynetworks = ["127.0.0.0/8"]
            {{extra}}
            """, output);

    /// <summary>Sends one message from <paramref name="from"/> and returns the first line of the Received header the server added.</summary>
    private static async Task<string> SendFromAsync(MtaServerProcess server, IPAddress from, string recipient)
    {
        await using (var connection = await RawSmtpConnection.ConnectAsync(server.Port, from))
        {
            RawSmtpConnection.Expect(await connection.ReadReplyAsync(), 220);
            RawSmtpConnection.Expect(await connection.CommandAsync($"EHLO {RawSmtpConnection.ClientName}"), 250);
            var reply = await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, TestMessages.NewMessageId()));
            Assert.Equal(250, reply.Code);
        }

        var delivered = Encoding.UTF8.GetString(await server.Maildirs.WaitForSingleMessageAsync(recipient));
        var start = delivered.IndexOf("Received: ", StringComparison.Ordinal);
        Assert.True(start >= 0, delivered);
        return delivered[start..delivered.IndexOf("\r\n", start, StringComparison.Ordinal)];
    }
}
