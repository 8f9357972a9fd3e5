using System.Text.RegularExpressions;
using Mta.Core.Local;
using Xunit;

namespace Mta.Core.Tests.Local;

public sealed partial class MaildirPathsTests
{
    private const string DataDir = "/srv/mta";
    private const string Root = "/srv/mta/maildir";

    [Theory]
    [InlineData("john", "john")]
    [InlineData("John.Doe", "john.doe")]
    [InlineData("first+tag", "first+tag")]
    [InlineData("under_score-dash", "under_score-dash")]
    [InlineData("\"john doe\"", "john%20doe")]
    [InlineData("\"john\"", "john")]
    [InlineData("\"../../x\"", "%2E.%2F..%2Fx")]
    [InlineData("/etc", "%2Fetc")]
    [InlineData("..", "%2E.")]
    [InlineData(".", "%2E")]
    [InlineData(".hidden", "%2Ehidden")]
    [InlineData("a\0b", "a%00b")]
    [InlineData("J\u00f6rg", "j%C3%B6rg")]
    [InlineData("\u00c9COLE", "%C3%A9cole")]
    [InlineData("a%2Fb", "a%252fb")]
    [InlineData("a:b", "a%3Ab")]
    [InlineData("~tilde", "%7Etilde")]
    [InlineData("\"a\\\"b\"", "a%22b")]
    [InlineData("\"a\\\\b\"", "a%5Cb")]
    [InlineData("\"trailing\\\"", "trailing%5C")]
    [InlineData("\"", "%22")]
    public void Local_part_should_map_to_a_safe_folder_name(string localPart, string expectedFolderName)
    {
        var folder = MaildirPaths.MailboxFolder(DataDir, "example.com", localPart);

        Assert.Equal($"{Root}/example.com/{expectedFolderName}", folder);
    }

    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("[192.0.2.1]", "%5B192.0.2.1%5D")]
    [InlineData("[IPv6:2001:db8::1]", "%5Bipv6%3A2001%3Adb8%3A%3A1%5D")]
    [InlineData("../etc", "%2E.%2Fetc")]
    [InlineData("..", "%2E.")]
    public void Domain_should_map_to_a_safe_folder_name(string domain, string expectedFolderName)
    {
        var folder = MaildirPaths.MailboxFolder(DataDir, domain, "john");

        Assert.Equal($"{Root}/{expectedFolderName}/john", folder);
    }

    public static TheoryData<string, string> HostileAddresses => new()
    {
        { "example.com", "\"../../x\"" },
        { "example.com", "../../../../etc/passwd" },
        { "example.com", "/etc" },
        { "example.com", ".." },
        { "example.com", "\"..\"" },
        { "example.com", "\"\\.\\.\"" },
        { "example.com", "\0" },
        { "example.com", "a/../../b" },
        { "example.com", "..\\..\\x" },
        { "..", ".." },
        { "/", "/" },
        { ".", "." },
        { "example.com", new string('.', 300) },
        { "example.com", string.Concat(Enumerable.Repeat("../", 100)) },
    };

    [Theory]
    [MemberData(nameof(HostileAddresses))]
    public void Folder_should_lie_exactly_two_levels_inside_the_maildir_root(string domain, string localPart)
    {
        var folder = MaildirPaths.MailboxFolder(DataDir, domain, localPart);

        Assert.StartsWith(Root + "/", folder, StringComparison.Ordinal);
        Assert.Equal(Root, Path.GetDirectoryName(Path.GetDirectoryName(folder)));
        Assert.DoesNotContain(folder[(Root.Length + 1)..].Split('/'), component => component is "." or ".." || component.StartsWith('.'));
    }

    [Fact]
    public void Distinct_local_parts_should_map_to_distinct_folders()
    {
        var longName = new string('a', 300);
        var truncatedLongName = Path.GetFileName(MaildirPaths.MailboxFolder(DataDir, "example.com", longName));
        string[] localParts =
        [
            "john", "john.", "john..", ".john", "%2Ejohn", "a/b", "a%2Fb", "a%252Fb", "a\\2Fb", "a b", "a%20b",
            "a\0b", "a%00b", "\u00e9", "%C3%A9", "\u0065\u0301", "\"\"\"", "%22", "a~b",
            new string('a', 199), new string('a', 200), new string('a', 201), longName, longName + "b", new string('a', 301),
            new string('\u00e4', 150), new string('\u00e4', 151), "b" + longName, truncatedLongName,
        ];

        var folders = localParts.Select(localPart => MaildirPaths.MailboxFolder(DataDir, "example.com", localPart)).ToList();

        Assert.Equal(localParts.Length, folders.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(201)]
    [InlineData(300)]
    [InlineData(5000)]
    public void Long_component_should_become_a_prefix_and_a_sha256_suffix_within_the_limit(int length)
    {
        var localPart = new string('a', length);

        var folderName = Path.GetFileName(MaildirPaths.MailboxFolder(DataDir, "example.com", localPart));

        Assert.Equal(MaildirPaths.MaxComponentLength, folderName.Length);
        Assert.Matches("^a{135}~[0-9a-f]{64}$", folderName);
    }

    [Fact]
    public void Component_of_exactly_the_limit_should_be_kept_whole()
    {
        var localPart = new string('a', MaildirPaths.MaxComponentLength);

        var folderName = Path.GetFileName(MaildirPaths.MailboxFolder(DataDir, "example.com", localPart));

        Assert.Equal(localPart, folderName);
    }

    [Theory]
    [InlineData("a", 100)]
    [InlineData("ab", 100)]
    [InlineData("abc", 100)]
    [InlineData("", 2000)]
    public void Truncation_should_not_cut_a_percent_escape_in_half(string start, int repetitions)
    {
        var localPart = start + string.Concat(Enumerable.Repeat("\u00e9", repetitions));

        var folderName = Path.GetFileName(MaildirPaths.MailboxFolder(DataDir, "example.com", localPart));

        Assert.True(folderName.Length <= MaildirPaths.MaxComponentLength);
        var prefix = folderName[..folderName.IndexOf('~')];
        Assert.Matches(SafeEncodedName(), prefix);
    }

    [Fact]
    public void Long_domain_should_be_capped_as_well()
    {
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 63), 4));

        var domainFolder = Path.GetFileName(Path.GetDirectoryName(MaildirPaths.MailboxFolder(DataDir, domain, "john")));

        Assert.Equal(MaildirPaths.MaxComponentLength, domainFolder!.Length);
    }

    // Built in code and not serialized at discovery: neither keeps a lone surrogate intact.
    public static TheoryData<string, string> EmptyOrInvalidComponents => new()
    {
        { "example.com", "" },
        { "example.com", "\"\"" },
        { "", "john" },
        { "example.com", "\ud800x" },
        { "\udc00.example", "john" },
    };

    [Theory]
    [MemberData(nameof(EmptyOrInvalidComponents), DisableDiscoveryEnumeration = true)]
    public void Empty_or_invalid_component_should_be_rejected(string domain, string localPart)
    {
        Assert.Throws<ArgumentException>(() => MaildirPaths.MailboxFolder(DataDir, domain, localPart));
    }

    [Fact]
    public void Relative_data_folder_should_resolve_against_the_current_folder()
    {
        var folder = MaildirPaths.MailboxFolder("data", "example.com", "john");

        Assert.Equal(Path.GetFullPath("data/maildir/example.com/john"), folder);
    }

    [Fact]
    public void Delivery_file_name_should_join_queue_id_recipient_index_and_host()
    {
        Assert.Equal("4FhK2abc.R3.mx.example", MaildirPaths.DeliveryFileName("4FhK2abc", 3, "mx.example"));
    }

    [Fact]
    public void Delivery_file_name_should_be_the_same_for_the_same_inputs()
    {
        var first = MaildirPaths.DeliveryFileName("Q-17", 2, "mx.example");
        var second = MaildirPaths.DeliveryFileName("Q-17", 2, "mx.example");

        Assert.Equal(first, second);
    }

    [Fact]
    public void Delivery_file_names_should_differ_per_queue_id_and_recipient()
    {
        string[] queueIds = ["A", "A.1", "A.R1", "B", "AB"];
        int[] indices = [0, 1, 2, 10, 11];

        var names = queueIds.SelectMany(queueId => indices.Select(index => MaildirPaths.DeliveryFileName(queueId, index, "mx"))).ToList();

        Assert.Equal(queueIds.Length * indices.Length, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("mx.example", "mx.example")]
    [InlineData("mx/a", "mx\\057a")]
    [InlineData("mx:2525", "mx\\0722525")]
    [InlineData("a/b:c/", "a\\057b\\072c\\057")]
    public void Delivery_file_name_should_encode_slash_and_colon_in_the_host_name(string hostName, string expectedHost)
    {
        var name = MaildirPaths.DeliveryFileName("Q1", 0, hostName);

        Assert.Equal($"Q1.R0.{expectedHost}", name);
        Assert.DoesNotContain('/', name);
        Assert.DoesNotContain(':', name);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("a\\b")]
    [InlineData("a\nb")]
    public void Delivery_file_name_should_reject_an_unusable_queue_id(string queueId)
    {
        Assert.Throws<ArgumentException>(() => MaildirPaths.DeliveryFileName(queueId, 0, "mx"));
    }

    [Fact]
    public void Delivery_file_name_should_reject_a_name_longer_than_name_max()
    {
        Assert.Throws<ArgumentException>(() => MaildirPaths.DeliveryFileName(new string('q', 250), 0, "mx.example"));
    }

    [Fact]
    public void Delivery_file_name_should_reject_a_negative_recipient_index()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MaildirPaths.DeliveryFileName("Q1", -1, "mx"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mx\nexample")]
    public void Delivery_file_name_should_reject_an_unusable_host_name(string hostName)
    {
        Assert.Throws<ArgumentException>(() => MaildirPaths.DeliveryFileName("Q1", 0, hostName));
    }

    [GeneratedRegex("^([a-z0-9._+-]|%[0-9A-F]{2})*$")]
    private static partial Regex SafeEncodedName();
}
