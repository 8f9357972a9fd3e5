using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Configuration;

public sealed class TableSourceSpec : IDisposable
{
    private const string Key = "mta.local-recipients";
    private static readonly DateTime FirstWrite = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private readonly TemporaryFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("hash:")]
    [InlineData("lmdb:")]
    [InlineData("texthash:")]
    public void A_file_setting_should_load_with_or_without_a_type_prefix(string prefix)
    {
        WriteTable("recipients", "alice ok\n", FirstWrite);

        TableSource table = FromSetting($"{prefix}recipients");

        Assert.Equal(Path.Combine(_folder.Path, "recipients"), table.FilePath);
        Assert.Equal("ok", table.Current["alice"]);
    }

    [Fact]
    public void An_absolute_path_should_not_depend_on_the_base_directory()
    {
        string path = WriteTable("recipients", "alice ok\n", FirstWrite);

        TableSource table = TableSource.FromConfig(ConfigurationFactory.ParseString($"{Key} = \"hash:{path}\""), Key, "/somewhere/else", _clock);

        Assert.Equal(path, table.FilePath);
    }

    [Fact]
    public void An_inline_object_should_be_a_fixed_table()
    {
        Config config = ConfigurationFactory.ParseString($$"""{{Key}} { "Alice@Example.com" = ok, bob = "the builder", carol.smith = 1 }""");

        TableSource table = TableSource.FromConfig(config, Key, _folder.Path, _clock);

        Assert.Null(table.FilePath);
        Assert.Equal("ok", table.Current["alice@example.com"]);
        Assert.Equal("the builder", table.Current["bob"]);
        Assert.Equal("1", table.Current["carol.smith"]);
    }

    [Fact]
    public void Inline_keys_differing_only_in_case_should_be_refused()
    {
        Config config = ConfigurationFactory.ParseString($$"""{{Key}} { alice = a, ALICE = b }""");

        var error = Assert.Throws<ConfigurationException>(() => TableSource.FromConfig(config, Key, _folder.Path, _clock));

        Assert.Equal(Key, error.Key);
        Assert.Contains("ALICE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_file_should_be_read_again_once_the_check_interval_has_passed()
    {
        WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");
        Assert.Equal(["alice"], table.Current.Keys);

        WriteTable("recipients", "alice ok\nbob ok\n", FirstWrite.AddSeconds(5));
        _clock.Advance(TableSource.CheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["alice"], table.Current.Keys);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["alice", "bob"], table.Current.Keys.Order());
        Assert.Contains(_logger.Entries, entry => entry.Level == LogLevel.Information && entry.Message.Contains("reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public void A_change_of_length_alone_should_be_noticed()
    {
        WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");

        WriteTable("recipients", "carol okay\n", FirstWrite);
        _clock.Advance(TableSource.CheckInterval);

        Assert.Equal(["carol"], table.Current.Keys);
    }

    [Fact]
    public void An_unchanged_file_should_not_be_parsed_again()
    {
        WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");
        IReadOnlyDictionary<string, string> first = table.Current;

        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Same(first, table.Current);
    }

    [Fact]
    public void A_deleted_file_should_leave_the_last_good_table_and_be_reported_once()
    {
        string path = WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");

        File.Delete(path);
        _clock.Advance(TableSource.CheckInterval);
        Assert.Equal("ok", table.Current["alice"]);
        _clock.Advance(TableSource.CheckInterval);
        Assert.Equal("ok", table.Current["alice"]);

        var warning = Assert.Single(_logger.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("keeping the 1 entries", warning.Message, StringComparison.Ordinal);

        WriteTable("recipients", "bob ok\n", FirstWrite.AddMinutes(1));
        _clock.Advance(TableSource.CheckInterval);
        Assert.Equal(["bob"], table.Current.Keys);
    }

    [Fact]
    public void A_file_that_is_not_text_should_leave_the_last_good_table()
    {
        string path = WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");

        File.WriteAllBytes(path, [0x00, 0x06, 0x15, 0x61, 0xC3, 0x28, 0xFF]);
        File.SetLastWriteTimeUtc(path, FirstWrite.AddSeconds(1));
        _clock.Advance(TableSource.CheckInterval);

        Assert.Equal(["alice"], table.Current.Keys);
        Assert.Contains(_logger.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("not a text file", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_replaced_by_a_folder_should_leave_the_last_good_table()
    {
        string path = WriteTable("recipients", "alice ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");

        File.Delete(path);
        Directory.CreateDirectory(path);
        _clock.Advance(TableSource.CheckInterval);

        Assert.Equal(["alice"], table.Current.Keys);
        Assert.Contains(_logger.Entries, entry => entry.Message.Contains("folder", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_lines_should_be_logged_with_their_line_numbers_and_the_rest_should_load()
    {
        WriteTable("recipients", "alice ok\nbob ok\n", FirstWrite);
        TableSource table = FromSetting("recipients");

        WriteTable("recipients", "alice ok\nbroken\ncarol ok\n", FirstWrite.AddSeconds(1));
        _clock.Advance(TableSource.CheckInterval);

        Assert.Equal(["alice", "carol"], table.Current.Keys.Order());
        TableError error = Assert.Single(table.Errors);
        Assert.Equal(2, error.LineNumber);
        Assert.Contains(_logger.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("line 2", StringComparison.Ordinal) && entry.Message.Contains("'broken'", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_lines_at_start_should_be_logged_and_kept_in_errors()
    {
        WriteTable("recipients", "alice\nbob ok\n", FirstWrite);

        TableSource table = FromSetting("recipients");

        Assert.Equal(["bob"], table.Current.Keys);
        Assert.Equal(1, Assert.Single(table.Errors).LineNumber);
        Assert.Contains(_logger.Entries, entry => entry.Message.Contains("line 1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_missing_at_start_should_be_refused_naming_key_and_file()
    {
        var error = Assert.Throws<ConfigurationException>(() => FromSetting("hash:absent"));

        Assert.Equal(Key, error.Key);
        Assert.Contains(Path.Combine(_folder.Path, "absent"), error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recipient_table_should_match_address_bare_local_part_or_catch_all_ignoring_case()
    {
        var recipients = new RecipientTable(TableSource.FromEntries(
            new Dictionary<string, string> { ["alice@example.com"] = "ok", ["postmaster"] = "ok", ["@catchall.example"] = "ok" },
            Key));

        Assert.True(recipients.Contains("alice", "example.com"));
        Assert.True(recipients.Contains("ALICE", "Example.COM."));
        Assert.False(recipients.Contains("alice", "example.org"));
        Assert.True(recipients.Contains("postmaster", "example.org"));
        Assert.True(recipients.Contains("PostMaster", "localhost"));
        Assert.True(recipients.Contains("anyone", "catchall.example"));
        Assert.False(recipients.Contains("bob", "example.com"));
    }

    [Fact]
    public void Recipient_table_should_follow_its_file()
    {
        WriteTable("recipients", "alice@example.com ok\n", FirstWrite);
        var recipients = new RecipientTable(FromSetting("recipients"));
        Assert.False(recipients.Contains("bob", "example.com"));

        WriteTable("recipients", "alice@example.com ok\nbob@example.com ok\n", FirstWrite.AddSeconds(1));
        _clock.Advance(TableSource.CheckInterval);

        Assert.True(recipients.Contains("bob", "example.com"));
    }

    private TableSource FromSetting(string value) =>
        TableSource.FromConfig(ConfigurationFactory.ParseString($"{Key} = \"{value}\""), Key, _folder.Path, _clock, _logger);

    private string WriteTable(string name, string text, DateTime lastWriteUtc)
    {
        string path = _folder.Write(name, text);
        File.SetLastWriteTimeUtc(path, lastWriteUtc);
        return path;
    }
}
