using Mta.Core.Configuration;
using Xunit;

namespace Mta.Core.Tests.Configuration;

public sealed class TableParserSpec
{
    [Fact]
    public void Lines_should_split_at_the_first_whitespace()
    {
        TableParseResult result = TableParser.ParseText("alice@example.com  OK\nbob\tsome  free text \n", "t");

        Assert.Empty(result.Errors);
        Assert.Equal("OK", result.Entries["alice@example.com"]);
        Assert.Equal("some  free text", result.Entries["bob"]);
    }

    [Fact]
    public void Keys_should_compare_ignoring_case()
    {
        TableParseResult result = TableParser.ParseText("Alice@Example.COM ok\n", "t");

        Assert.True(result.Entries.ContainsKey("alice@example.com"));
        Assert.True(result.Entries.ContainsKey("ALICE@EXAMPLE.COM"));
    }

    [Fact]
    public void A_line_starting_with_whitespace_should_continue_the_previous_value()
    {
        TableParseResult result = TableParser.ParseText("example.com encrypt\n    match=mx1.example.com\n\tprotocols=TLSv1.3\nnext value\n", "t");

        Assert.Empty(result.Errors);
        Assert.Equal("encrypt match=mx1.example.com protocols=TLSv1.3", result.Entries["example.com"]);
        Assert.Equal("value", result.Entries["next"]);
    }

    [Fact]
    public void A_key_alone_may_take_its_value_from_continuation_lines()
    {
        TableParseResult result = TableParser.ParseText("key\n  the value\n", "t");

        Assert.Empty(result.Errors);
        Assert.Equal("the value", result.Entries["key"]);
    }

    [Fact]
    public void Comments_and_blank_lines_should_be_ignored_even_inside_a_continued_entry()
    {
        const string text = "# leading comment\n\n   # indented comment\nkey first\n# between\n\n   second\nother value # not a comment\n";

        TableParseResult result = TableParser.ParseText(text, "t");

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Entries.Count);
        Assert.Equal("first second", result.Entries["key"]);
        Assert.Equal("value # not a comment", result.Entries["other"]);
    }

    [Fact]
    public void Crlf_line_ends_and_a_byte_order_mark_should_be_accepted()
    {
        TableParseResult result = TableParser.ParseText("\uFEFFalice ok\r\nbob ok\r\n", "t");

        Assert.Empty(result.Errors);
        Assert.Equal(["alice", "bob"], result.Entries.Keys.Order());
        Assert.Equal("ok", result.Entries["alice"]);
    }

    [Fact]
    public void A_key_without_value_should_be_reported_with_its_line_and_the_rest_should_load()
    {
        TableParseResult result = TableParser.ParseText("alice ok\n\nbob\ncarol ok\n", "/etc/mta/recipients");

        TableError error = Assert.Single(result.Errors);
        Assert.Equal(3, error.LineNumber);
        Assert.Equal("/etc/mta/recipients, line 3: expected format: key whitespace value; 'bob' has no value", error.Message);
        Assert.Equal(["alice", "carol"], result.Entries.Keys.Order());
    }

    [Fact]
    public void A_continuation_without_a_preceding_entry_should_be_reported()
    {
        TableParseResult result = TableParser.ParseText("# header\n  orphan value\nalice ok\n", "t");

        TableError error = Assert.Single(result.Errors);
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("continue an entry", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok", result.Entries["alice"]);
    }

    [Fact]
    public void A_duplicate_key_should_keep_the_first_entry_and_report_the_second()
    {
        TableParseResult result = TableParser.ParseText("alice first\nbob ok\nALICE second\n", "t");

        TableError error = Assert.Single(result.Errors);
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("first", result.Entries["alice"]);
    }

    [Fact]
    public void Several_errors_should_all_be_reported_in_line_order()
    {
        TableParseResult result = TableParser.ParseText("a\n  \nb 1\nc\n d\ne\n", "t");

        Assert.Equal([1, 6], result.Errors.Select(error => error.LineNumber));
        Assert.Equal("1", result.Entries["b"]);
        Assert.Equal("d", result.Entries["c"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n")]
    public void An_empty_table_should_have_no_entries_and_no_errors(string text)
    {
        TableParseResult result = TableParser.ParseText(text, "t");

        Assert.Empty(result.Entries);
        Assert.Empty(result.Errors);
    }
}
