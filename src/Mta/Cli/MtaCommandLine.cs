using System.Collections;
using System.CommandLine;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Hosting;

namespace Mta.Cli;

/// <summary>The verbs of the <c>mta</c> executable.</summary>
public static class MtaCommandLine
{
    /// <summary>Exit code for a configuration the MTA refuses.</summary>
    public const int ConfigurationError = 78;

    /// <summary>The root command with every verb.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Mta: a mail transfer agent. Run 'mta serve' to receive mail on 127.0.0.1:2525 with the defaults.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(ConfigCommand());
        root.Subcommands.Add(QueueCommands.Build());
        root.Subcommands.Add(PkiCommands.Build());
        root.Subcommands.Add(TlsProbeCommand.Build());
        return root;
    }

    internal static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "HOCON configuration file (keys under 'mta'); without it the built-in defaults apply",
    };

    private static Command Serve()
    {
        var config = ConfigOption();
        var command = new Command("serve", "Run the MTA until interrupted (SIGINT/SIGTERM stop it gracefully)") { config };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!TryLoad(result.GetValue(config), out var settings, out _)) return ConfigurationError;
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings!.ShutdownTimeout + TimeSpan.FromSeconds(15));
            builder.Services.AddMta(settings!);
            using var host = builder.Build();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command ConfigCommand()
    {
        var command = new Command("config", "Validate or print a configuration");
        var checkFile = ConfigOption();
        var check = new Command("check", "Validate the configuration and report the first error with its key") { checkFile };
        check.SetAction(result =>
        {
            if (!TryLoad(result.GetValue(checkFile), out _, out _)) return ConfigurationError;
            Console.WriteLine("configuration OK");
            return 0;
        });
        var showFile = ConfigOption();
        var show = new Command("show", "Print the effective configuration under 'mta' (defaults, file and environment merged)") { showFile };
        show.SetAction(result =>
        {
            if (!TryLoad(result.GetValue(showFile), out _, out var config)) return ConfigurationError;
            Console.WriteLine(config!.GetConfig("mta").Root.ToString(indent: 2));
            return 0;
        });
        command.Subcommands.Add(check);
        command.Subcommands.Add(show);
        return command;
    }

    internal static bool TryLoad(FileInfo? file, out MtaSettings? settings, out Config? config)
    {
        settings = null;
        config = null;
        try
        {
            config = MtaConfigLoader.Load(file?.FullName, Environment());
            settings = MtaSettings.Create(config);
            return true;
        }
        catch (Mta.Core.Configuration.ConfigurationException e)
        {
            Console.Error.WriteLine($"mta: configuration error: {e.Message}");
            return false;
        }
    }

    private static Dictionary<string, string?> Environment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            variables[(string)entry.Key] = entry.Value as string;
        return variables;
    }
}
