using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// A Postfix of its own for a group of tests: <c>postfix -c DIR</c> with its configuration, queue
/// and data folders and its log file below one folder, an smtpd on a port the test chooses, and
/// nothing shared with the system's Postfix (which is never started, stopped or read). Messages go
/// in with Postfix's own <c>sendmail</c>; what Postfix did is read from its log file.
/// </summary>
internal sealed class PostfixInstance : IAsyncDisposable
{
    /// <summary>myhostname of every instance: the name it gives in EHLO.</summary>
    public const string HostName = "postfix.test";

    private const string PostfixCommand = "/usr/sbin/postfix";
    private const string SendmailCommand = "/usr/sbin/sendmail";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper? _testOutput;
    private bool _started;

    private PostfixInstance(string folder, int smtpdPort, ITestOutputHelper? testOutput)
    {
        Folder = folder;
        SmtpdPort = smtpdPort;
        _testOutput = testOutput;
    }

    /// <summary>The folder holding everything of this instance.</summary>
    public string Folder { get; }

    /// <summary>config_directory: main.cf and master.cf, the folder given to <c>postfix -c</c>.</summary>
    public string ConfigDirectory => Path.Combine(Folder, "etc");

    /// <summary>queue_directory.</summary>
    public string QueueDirectory => Path.Combine(Folder, "queue");

    /// <summary>data_directory (Postfix's lock and cache files).</summary>
    public string DataDirectory => Path.Combine(Folder, "data");

    /// <summary>maillog_file: where postlogd writes every log line of this instance.</summary>
    public string LogFile => Path.Combine(Folder, "maillog");

    /// <summary>The port of this instance's smtpd on 127.0.0.1.</summary>
    public int SmtpdPort { get; }

    /// <summary>The log file as it is now (empty before the first line).</summary>
    public string Log
    {
        get
        {
            if (!File.Exists(LogFile)) return "";
            // postlogd keeps the file open for appending.
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }

    /// <summary>
    /// Writes main.cf (the instance's folders, 127.0.0.1 only, <see cref="HostName"/>, nothing
    /// delivered locally, then <paramref name="settings"/>: main.cf lines, which may override those)
    /// and a master.cf with an smtpd on <paramref name="smtpdPort"/> and the services delivery
    /// needs; lets <c>postfix check</c> create the queue folders and starts the instance. With
    /// <paramref name="testOutput"/> the log goes to the test's output when the instance is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Postfix is not installed, or refused the configuration or to start; the message says why.</exception>
    public static async Task<PostfixInstance> StartAsync(string folder, int smtpdPort, string settings = "", ITestOutputHelper? testOutput = null)
    {
        if (!File.Exists(PostfixCommand))
            throw new InvalidOperationException($"Postfix is not installed ({PostfixCommand} is missing); test.sh installs it");
        var instance = new PostfixInstance(folder, smtpdPort, testOutput);
        Directory.CreateDirectory(instance.ConfigDirectory);
        // postfix chdirs into queue_directory before anything else; "check" creates what is inside.
        Directory.CreateDirectory(instance.QueueDirectory);
        await File.WriteAllTextAsync(Path.Combine(instance.ConfigDirectory, "main.cf"), instance.MainCf(settings));
        await File.WriteAllTextAsync(Path.Combine(instance.ConfigDirectory, "master.cf"), instance.MasterCf());
        try
        {
            await instance.PostfixAsync("check");
            await instance.PostfixAsync("start");
            instance._started = true;
            await instance.WaitUntilListeningAsync();
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
        return instance;
    }

    /// <summary>
    /// Hands <paramref name="message"/> (header and body, LF or CRLF line ends) to Postfix's
    /// <c>sendmail -t</c> with envelope sender <paramref name="sender"/>: the recipients come from
    /// its To header. No delivery status notification is asked for (<c>-N never</c>), so a refused
    /// test message does not bounce back through the relay.
    /// </summary>
    public async Task SendAsync(string sender, string message)
    {
        var outcome = await RunAsync(SendmailCommand, ["-C", ConfigDirectory, "-f", sender, "-N", "never", "-t"], message);
        if (outcome.ExitCode != 0)
            throw new InvalidOperationException($"sendmail -C {ConfigDirectory} failed: {outcome}\n--- {LogFile} ---\n{Log}");
    }

    /// <summary>
    /// Waits (bounded) until Postfix has tried the message with <paramref name="messageId"/> for
    /// <paramref name="recipient"/> and returns that log line
    /// (<c>QUEUEID: to=&lt;...&gt;, relay=..., dsn=..., status=sent|deferred|bounced (...)</c>).
    /// </summary>
    public async Task<string> WaitForDeliveryAttemptAsync(string messageId, string recipient)
    {
        var queueId = await Poll.UntilAsync(() => QueueIdMatch(messageId).Match(Log), m => m.Success, LogTimeout,
            _ => $"Postfix has not queued a message with Message-ID {messageId}; {LogFile}:\n{Log}");
        var attempt = new Regex($@"^.*\b{queueId.Groups["id"].Value}: to=<{Regex.Escape(recipient)}>.*\bstatus=\w+.*$", RegexOptions.Multiline);
        var line = await Poll.UntilAsync(() => attempt.Match(Log), m => m.Success, LogTimeout,
            _ => $"Postfix has not tried {recipient} for {messageId}; {LogFile}:\n{Log}");
        return line.Value.TrimEnd('\r');
    }

    /// <summary>
    /// Stops the instance (<c>postfix -c DIR stop</c>, which waits for its processes) when it was
    /// started. The folder stays: its owner removes it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_started)
            {
                _started = false;
                await PostfixAsync("stop");
            }
        }
        finally
        {
            _testOutput?.WriteLine($"--- {LogFile} ---\n{Log}");
        }
    }

    private string MainCf(string settings) => $"""
        compatibility_level = 3.6
        queue_directory = {QueueDirectory}
        data_directory = {DataDirectory}
        mail_owner = postfix
        setgid_group = postdrop
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        myhostname = {HostName}
        mydestination =
        mynetworks = 127.0.0.0/8
        # Nothing is delivered locally: no alias files of the system are opened.
        alias_maps =
        alias_database =
        # postlogd writes only below these prefixes; the default covers /var alone.
        maillog_file = {LogFile}
        maillog_file_prefixes = {Folder}
        {settings}
        """;

    /// <summary>The smtpd on the test's port and the services that queue and deliver mail; no chroot.</summary>
    private string MasterCf() => $"""
        # service        type  private unpriv chroot wakeup maxproc command
        127.0.0.1:{SmtpdPort} inet n       -      n      -      -       smtpd
        pickup           unix  n       -      n      60     1       pickup
        cleanup          unix  n       -      n      -      0       cleanup
        qmgr             unix  n       -      n      300    1       qmgr
        tlsmgr           unix  -       -      n      1000?  1       tlsmgr
        rewrite          unix  -       -      n      -      -       trivial-rewrite
        bounce           unix  -       -      n      -      0       bounce
        defer            unix  -       -      n      -      0       bounce
        trace            unix  -       -      n      -      0       bounce
        verify           unix  -       -      n      -      1       verify
        flush            unix  n       -      n      1000?  0       flush
        proxymap         unix  -       -      n      -      -       proxymap
        smtp             unix  -       -      n      -      -       smtp
        relay            unix  -       -      n      -      -       smtp
        showq            unix  n       -      n      -      -       showq
        error            unix  -       -      n      -      -       error
        retry            unix  -       -      n      -      -       error
        discard          unix  -       -      n      -      -       discard
        anvil            unix  -       -      n      -      1       anvil
        scache           unix  -       -      n      -      1       scache
        postlog          unix-dgram n  -      n      -      1       postlogd
        """;

    private static Regex QueueIdMatch(string messageId) =>
        new($@"postfix/cleanup\[\d+\]: (?<id>[0-9A-Za-z]+): message-id={Regex.Escape(messageId)}\s*$", RegexOptions.Multiline);

    private async Task PostfixAsync(string verb)
    {
        var outcome = await RunAsync(PostfixCommand, ["-c", ConfigDirectory, verb], standardInput: null);
        if (outcome.ExitCode != 0)
            throw new InvalidOperationException($"postfix -c {ConfigDirectory} {verb} failed: {outcome}\n--- {LogFile} ---\n{Log}");
    }

    private async Task WaitUntilListeningAsync()
    {
        await Poll.UntilAsync(CanConnect, connected => connected, ListenTimeout,
            _ => $"Postfix's smtpd does not listen on 127.0.0.1:{SmtpdPort}; {LogFile}:\n{Log}");
    }

    private bool CanConnect()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, SmtpdPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed record Outcome(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}";
    }

    private static async Task<Outcome> RunAsync(string program, IEnumerable<string> arguments, string? standardInput)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {CommandTimeout}");
        }
        return new Outcome(process.ExitCode, await output + await errors);
    }
}
