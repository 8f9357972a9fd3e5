using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Mta.LoadGen;

internal static class Program
{
    private const int Succeeded = 0;
    private const int ConnectionFailed = 1;
    private const int BadArguments = 2;
    private const int Interrupted = 130;

    public static async Task<int> Main(string[] args)
    {
        var options = LoadGenOptions.Parse(args, out var showHelp, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: {error}\nTry 'mta-loadgen --help'.");
            return BadArguments;
        }

        if (showHelp)
        {
            Console.WriteLine(LoadGenOptions.Usage);
            return Succeeded;
        }

        IPEndPoint endpoint;
        try
        {
            endpoint = await ResolveAsync(options.Host, options.Port);
        }
        catch (SocketException exception)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: cannot resolve {options.Host}: {exception.Message}");
            return ConnectionFailed;
        }

        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, eventArgs) =>
        {
            // The first Ctrl+C stops the run and still prints the report.
            eventArgs.Cancel = true;
            interrupt.Cancel();
        };

        // Opened before the run so that a bad path does not cost a whole run.
        FileStream? jsonFile = null;
        try
        {
            jsonFile = options.JsonPath is { } jsonPath ? File.Create(jsonPath) : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: cannot write {options.JsonPath}: {exception.Message}");
            return BadArguments;
        }

        await using var jsonOutput = jsonFile;
        TlsClientSettings? tls = null;
        try
        {
            tls = options.StartTls ? TlsClientSettings.Load(options) : null;
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: cannot load the TLS files: {exception.Message}");
            return BadArguments;
        }

        using var tlsSettings = tls;
        if (options.IdleSessions is not null)
        {
            var idle = await new IdleSessionRunner(options, endpoint, tls, Console.Out).RunAsync(interrupt.Token);
            idle.WriteText(Console.Out);
            if (jsonOutput is not null)
            {
                idle.WriteJson(jsonOutput);
            }

            return idle.Interrupted ? Interrupted : idle.Opened == 0 ? ConnectionFailed : Succeeded;
        }

        var result = await new LoadRunner(options, endpoint, Console.Error, tls).RunAsync(interrupt.Token);
        if (result.FatalError is not null && result.Accepted == 0 && result.Errors.Count == 0)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: {result.FatalError}");
            return ConnectionFailed;
        }

        Report.WriteText(result, Console.Out);
        if (jsonOutput is not null)
        {
            Report.WriteJson(result, jsonOutput);
        }

        if (result.FatalError is not null)
        {
            await Console.Error.WriteLineAsync($"mta-loadgen: {result.FatalError}");
            return ConnectionFailed;
        }

        return result.Interrupted ? Interrupted : Succeeded;
    }

    private static async Task<IPEndPoint> ResolveAsync(string host, int port)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return new IPEndPoint(address, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host);
        return addresses.Length > 0
            ? new IPEndPoint(addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(), port)
            : throw new SocketException((int)SocketError.HostNotFound);
    }
}
