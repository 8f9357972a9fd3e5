using System.Runtime.Versioning;
using Mta.Admin;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>The queue API's token: how it is made, kept in its file, and checked.</summary>
/// <remarks>Unix only: the file's permissions are the access control.</remarks>
[SupportedOSPlatform("linux")]
public sealed class AdminTokenTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string Token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_token_is_32_random_bytes_in_lower_case_hex()
    {
        var tokens = Enumerable.Range(0, 20).Select(_ => AdminToken.Generate()).ToList();

        Assert.All(tokens, token => Assert.Matches("^[0-9a-f]{64}$", token));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public void Writing_creates_the_file_and_its_folder_with_mode_0600()
    {
        var path = Path.Combine(_folder.Path, "data", "admin.token");

        AdminToken.Write(path, Token);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(Token, AdminToken.Read(path));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.UserRead)]
    public void An_existing_file_with_other_permissions_is_set_to_0600_and_overwritten(UnixFileMode mode)
    {
        var path = Path.Combine(_folder.Path, "admin.token");
        File.WriteAllText(path, "an old token that is longer than the new one by quite a few characters, all of them to be gone\n");
        File.SetUnixFileMode(path, mode);

        AdminToken.Write(path, Token);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(Token + "\n", File.ReadAllText(path));
    }

    [Fact]
    public void A_symbolic_link_in_place_of_the_file_is_refused_and_its_target_left_alone()
    {
        var target = Path.Combine(_folder.Path, "elsewhere");
        File.WriteAllText(target, "untouched");
        var path = Path.Combine(_folder.Path, "admin.token");
        File.CreateSymbolicLink(path, target);

        var error = Assert.Throws<AdminTokenException>(() => AdminToken.Write(path, Token));

        Assert.Equal($"cannot write the admin token file {path}: it is a symbolic link; remove it so that the token cannot be written elsewhere", error.Message);
        Assert.Equal("untouched", File.ReadAllText(target));
    }

    [Fact]
    public void A_folder_in_place_of_the_file_is_refused_with_its_name()
    {
        var path = Path.Combine(_folder.Path, "admin.token");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<AdminTokenException>(() => AdminToken.Write(path, Token));

        Assert.Equal(path, error.Path);
        Assert.Contains("it is a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_missing_file_in_a_missing_folder_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => AdminToken.Read(Path.Combine(_folder.Path, "no", "admin.token")));
    }

    [Theory]
    [InlineData("Bearer " + Token, true)]
    [InlineData("bearer " + Token, true)]
    [InlineData("BEARER " + Token, true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("Bearer", false)]
    [InlineData("Bearer ", false)]
    [InlineData("Basic " + Token, false)]
    [InlineData(Token, false)]
    [InlineData("Bearer " + Token + "0", false)]
    [InlineData("Bearer " + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefe", false)]
    [InlineData("Bearer " + "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF", false)]
    [InlineData("Bearer 00112233", false)]
    public void A_request_matches_only_with_the_bearer_scheme_and_exactly_the_token(string? authorization, bool matches)
    {
        Assert.Equal(matches, AdminToken.Matches(Token, authorization));
    }
}
