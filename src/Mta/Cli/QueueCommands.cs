using System.CommandLine;
using Mta.Admin;

namespace Mta.Cli;

/// <summary>
/// <c>mta queue list|show|delete|hold|release|flush</c>: the queue of a running node through its
/// admin endpoint, as Postfix's postqueue and postsuper manage Postfix's queue. Exit codes: 0 done,
/// 1 no such message, 2 the node cannot be reached or cannot answer, 3 the token cannot be read or
/// is refused, 78 a configuration the MTA refuses.
/// </summary>
public static class QueueCommands
{
    /// <summary>The <c>queue</c> command with its verbs.</summary>
    public static Command Build()
    {
        var command = new Command("queue", "Manage the queue of a running node (through its admin endpoint, with the token from mta.admin.token-file)");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(MessageCommand("delete", "Remove a message from the queue without delivering or bouncing it (postsuper -d)", HttpMethod.Delete, action: null));
        command.Subcommands.Add(MessageCommand("hold", "Keep a message out of delivery until it is released (postsuper -h)", HttpMethod.Post, "hold"));
        command.Subcommands.Add(MessageCommand("release", "Release a held message (postsuper -H)", HttpMethod.Post, "release"));
        command.Subcommands.Add(Flush());
        return command;
    }

    private static Command List()
    {
        var config = MtaCommandLine.ConfigOption();
        var command = new Command("list", "List every message with its recipients, their state and last error (postqueue -p)") { config };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(config), async client =>
        {
            var listing = await client.ListAsync(cancellationToken).ConfigureAwait(false);
            Console.Write(QueueListingFormat.List(listing.Messages));
        }));
        return command;
    }

    private static Command Show()
    {
        var config = MtaCommandLine.ConfigOption();
        var queueId = QueueIdArgument();
        var command = new Command("show", "Print every field of one message and its recipients") { queueId, config };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(config), async client =>
        {
            var message = await client.ShowAsync(result.GetRequiredValue(queueId), cancellationToken).ConfigureAwait(false);
            Console.Write(QueueListingFormat.Show(message));
        }));
        return command;
    }

    private static Command MessageCommand(string name, string description, HttpMethod method, string? action)
    {
        var config = MtaCommandLine.ConfigOption();
        var queueId = QueueIdArgument();
        var command = new Command(name, description) { queueId, config };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(config), async client =>
        {
            var done = await client.CommandAsync(method, AdminClient.MessagePath(result.GetRequiredValue(queueId), action), cancellationToken).ConfigureAwait(false);
            Console.WriteLine(done.Text);
        }));
        return command;
    }

    private static Command Flush()
    {
        var config = MtaCommandLine.ConfigOption();
        var command = new Command("flush", "Retry every deferred recipient now (postqueue -f)") { config };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(config), async client =>
        {
            var done = await client.CommandAsync(HttpMethod.Post, "queue/flush", cancellationToken).ConfigureAwait(false);
            Console.WriteLine(done.Text);
        }));
        return command;
    }

    private static Argument<string> QueueIdArgument() => new("queue-id") { Description = "The message's queue id, as 'mta queue list' shows it (without the ! of a held message)" };

    private static async Task<int> RunAsync(FileInfo? configFile, Func<AdminClient, Task> call)
    {
        if (!MtaCommandLine.TryLoad(configFile, out var settings, out _)) return MtaCommandLine.ConfigurationError;
        try
        {
            using var client = AdminClient.Create(settings!.Admin);
            await call(client).ConfigureAwait(false);
            return 0;
        }
        catch (AdminClientException e)
        {
            await Console.Error.WriteLineAsync($"mta: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
    }
}
