using System.Runtime.Versioning;
using Mta.Admin;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary><c>mta queue</c> when there is no node to talk to, or no token to talk with: exit codes and words.</summary>
/// <remarks>Unix only: the token's permissions are part of what is tested.</remarks>
[SupportedOSPlatform("linux")]
public sealed class QueueCommandFailureTests : IDisposable
{
    private const int Nobody = 65534;

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("list")]
    [InlineData("flush")]
    [InlineData("show", "0000000000000")]
    [InlineData("hold", "0000000000000")]
    public async Task Against_a_stopped_node_the_command_exits_2_and_says_so(params string[] verb)
    {
        // What a node leaves behind when it stops: its configuration and its token file, nothing listening.
        var port = MtaServerProcess.FreePort();
        var (config, tokenFile) = Configuration($"admin.listen = \"127.0.0.1:{port}\"");
        AdminToken.Write(tokenFile, AdminToken.Generate());

        var run = await MtaCli.QueueAsync(config, verb);

        Assert.Equal(new CliRun(2, "", $"mta: cannot reach the admin endpoint at 127.0.0.1:{port} (is 'mta serve' running with this configuration?)\n"), run);
    }

    [Fact]
    public async Task After_mta_serve_stops_gracefully_the_command_exits_2_and_says_so()
    {
        var adminPort = MtaServerProcess.FreePort();
        var server = await MtaServerProcess.StartAsync(Path.Combine(_folder.Path, "node"), MtaServerProcess.FreePort(), $"admin.listen = \"127.0.0.1:{adminPort}\"");
        await using (server)
        {
            var whileRunning = await MtaCli.QueueAsync(server.ConfigFile, "list");
            Assert.Equal(new CliRun(0, QueueListingFormat.EmptyQueue + "\n", ""), whileRunning);
            await server.TerminateAsync();
            Assert.Equal(0, await server.WaitForExitAsync());
        }

        var afterStop = await MtaCli.QueueAsync(server.ConfigFile, "list");

        Assert.Equal(new CliRun(2, "", $"mta: cannot reach the admin endpoint at 127.0.0.1:{adminPort} (is 'mta serve' running with this configuration?)\n"), afterStop);
    }

    [Fact]
    public async Task Without_a_token_file_the_command_exits_2_naming_the_file()
    {
        var (config, tokenFile) = Configuration($"admin.listen = \"127.0.0.1:{MtaServerProcess.FreePort()}\"");

        var run = await MtaCli.QueueAsync(config, "list");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"mta: the admin token file {tokenFile} does not exist;", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_file_the_user_may_not_read_exits_3_naming_the_file_and_who_may()
    {
        var (config, tokenFile) = Configuration($"admin.listen = \"127.0.0.1:{MtaServerProcess.FreePort()}\"");
        AdminToken.Write(tokenFile, AdminToken.Generate());
        CliRun run;
        if (Environment.IsPrivilegedProcess)
        {
            // Root reads any file: run the command as nobody, who may read the configuration and the
            // program (a copy when the build folder is closed to others) but not the 0600 token.
            OpenToEveryone(_folder.Path, Path.GetDirectoryName(tokenFile)!, config);
            var appFolder = OthersMayRead(Path.Combine(MtaCli.AppFolder, "mta.dll")) ? null : CopyOpenToEveryone(MtaCli.AppFolder, Path.Combine(_folder.Path, "app"));
            run = await MtaCli.RunAsync(["queue", "list", "--config", config], userId: Nobody, appFolder);
        }
        else
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.None);
            run = await MtaCli.QueueAsync(config, "list");
        }

        Assert.Equal(new CliRun(3, "", $"mta: cannot read the admin token file {tokenFile}: permission denied; it is readable only by root and the user 'mta serve' runs as (the mta user)\n"), run);
    }

    [Fact]
    public async Task A_folder_in_place_of_the_token_file_exits_3_naming_it()
    {
        var (config, tokenFile) = Configuration($"admin.listen = \"127.0.0.1:{MtaServerProcess.FreePort()}\"");
        Directory.CreateDirectory(tokenFile);

        var run = await MtaCli.QueueAsync(config, "list");

        Assert.Equal(new CliRun(3, "", $"mta: cannot read the admin token file {tokenFile}: it is a folder, not a file\n"), run);
    }

    [Fact]
    public async Task With_the_endpoint_disabled_the_command_exits_2_and_says_so()
    {
        var (config, _) = Configuration("admin.listen = \"\"");

        var run = await MtaCli.QueueAsync(config, "list");

        Assert.Equal(new CliRun(2, "", "mta: the admin endpoint is disabled in this configuration (mta.admin.listen is empty)\n"), run);
    }

    [Fact]
    public async Task A_configuration_error_exits_78_naming_the_key()
    {
        var (config, _) = Configuration("admin.listen = \"not an address\"");

        var run = await MtaCli.QueueAsync(config, "list");

        Assert.Equal(78, run.ExitCode);
        Assert.Contains("mta.admin.listen", run.Error, StringComparison.Ordinal);
    }

    private (string ConfigFile, string TokenFile) Configuration(string adminSettings)
    {
        var dataDir = Path.Combine(_folder.Path, "data");
        var config = Path.Combine(_folder.Path, "mta.conf");
        File.WriteAllText(config, $$"""
            mta {
              data-dir = "{{dataDir}}"
              {{adminSettings}}
            }
            """);
        return (config, Path.Combine(dataDir, "admin.token"));
    }

    /// <summary>True when a user who is neither owner nor in the group may read <paramref name="file"/>: every folder above it lets others in.</summary>
    private static bool OthersMayRead(string file)
    {
        if (!File.GetUnixFileMode(file).HasFlag(UnixFileMode.OtherRead)) return false;
        for (var folder = Path.GetDirectoryName(Path.GetFullPath(file)); folder is not null; folder = Path.GetDirectoryName(folder))
            if (!File.GetUnixFileMode(folder).HasFlag(UnixFileMode.OtherExecute)) return false;
        return true;
    }

    private static string CopyOpenToEveryone(string source, string target)
    {
        foreach (var folder in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
            OpenToEveryone(Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, folder))).FullName);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            OpenToEveryone(copy);
        }
        return target;
    }

    private static void OpenToEveryone(params string[] paths)
    {
        const UnixFileMode everyoneReads = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode everyoneEnters = everyoneReads | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        foreach (var path in paths) File.SetUnixFileMode(path, Directory.Exists(path) ? everyoneEnters : everyoneReads);
    }
}
