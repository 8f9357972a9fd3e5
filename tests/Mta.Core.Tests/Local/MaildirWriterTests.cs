using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Core.Local;
using Xunit;
using Mta.Core.Tests.Support;

namespace Mta.Core.Tests.Local;

public sealed class MaildirWriterTests : IDisposable
{
    private const string HostName = "mx.example";
    private const string Headers = "Return-Path: <sender@example.org>\r\nDelivered-To: john@example.com\r\n";

    private readonly TemporaryDirectory dataDir = new();
    private readonly MaildirWriter writer;

    public MaildirWriterTests()
    {
        writer = new MaildirWriter(dataDir.Path, HostName, NullLogger.Instance);
    }

    private string Mailbox => Path.Combine(dataDir.Path, "maildir", "example.com", "john");

    public void Dispose() => dataDir.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_536)]
    [InlineData(200_003)]
    public async Task Delivery_should_write_the_headers_and_the_body_byte_for_byte(int bodyLength)
    {
        var body = new byte[bodyLength];
        new Random(bodyLength).NextBytes(body);

        var result = await writer.DeliverAsync(Delivery("Q1", 0, body), CancellationToken.None);

        Assert.Equal(MaildirResult.Delivered, result);
        var written = await File.ReadAllBytesAsync(Path.Combine(Mailbox, "new", "Q1.R0.mx.example"));
        Assert.Equal([.. Encoding.ASCII.GetBytes(Headers), .. body], written);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "cur")));
    }

    [Fact]
    public async Task Delivery_should_write_an_empty_return_path_for_the_null_sender()
    {
        var delivery = Delivery("Q1", 0, "Subject: bounce\r\n\r\nbody\r\n"u8.ToArray()) with { ReturnPath = "" };

        await writer.DeliverAsync(delivery, CancellationToken.None);

        var text = await File.ReadAllTextAsync(Path.Combine(Mailbox, "new", "Q1.R0.mx.example"));
        Assert.Equal("Return-Path: <>\r\nDelivered-To: john@example.com\r\nSubject: bounce\r\n\r\nbody\r\n", text);
    }

    [Fact]
    public async Task Second_delivery_of_the_same_recipient_should_not_write_again()
    {
        await writer.DeliverAsync(Delivery("Q1", 0, "first"u8.ToArray()), CancellationToken.None);

        var result = await writer.DeliverAsync(Delivery("Q1", 0, "second"u8.ToArray()), CancellationToken.None);

        Assert.Equal(MaildirOutcome.AlreadyDelivered, result.Outcome);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(Mailbox, "new")));
        Assert.EndsWith("first", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_recipients_of_the_same_message_should_get_their_own_files()
    {
        await writer.DeliverAsync(Delivery("Q1", 0, "x"u8.ToArray()), CancellationToken.None);

        var result = await writer.DeliverAsync(Delivery("Q1", 1, "x"u8.ToArray()), CancellationToken.None);

        Assert.Equal(MaildirOutcome.Delivered, result.Outcome);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Mailbox, "new")).Length);
    }

    [Theory]
    [InlineData("Q1.R0.mx.example", true, MaildirOutcome.AlreadyDelivered)]
    [InlineData("Q1.R0.mx.example:2,S", true, MaildirOutcome.AlreadyDelivered)]
    [InlineData("Q1.R0.mx.example:2,", true, MaildirOutcome.AlreadyDelivered)]
    [InlineData("Q1.R0.mx.example:2,S", false, MaildirOutcome.Delivered)]
    [InlineData("Q1.R0.mx.examplex:2,S", true, MaildirOutcome.Delivered)]
    [InlineData("Q1.R0.mx.exampl", true, MaildirOutcome.Delivered)]
    [InlineData("Q1.R00.mx.example:2,S", true, MaildirOutcome.Delivered)]
    public async Task File_moved_to_cur_should_count_as_delivered_only_when_checked(string curFileName, bool checkExisting, MaildirOutcome expected)
    {
        Directory.CreateDirectory(Path.Combine(Mailbox, "tmp"));
        Directory.CreateDirectory(Path.Combine(Mailbox, "new"));
        Directory.CreateDirectory(Path.Combine(Mailbox, "cur"));
        await File.WriteAllTextAsync(Path.Combine(Mailbox, "cur", curFileName), "read already");

        var result = await writer.DeliverAsync(Delivery("Q1", 0, "x"u8.ToArray()) with { CheckExisting = checkExisting }, CancellationToken.None);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(expected == MaildirOutcome.Delivered, File.Exists(Path.Combine(Mailbox, "new", "Q1.R0.mx.example")));
    }

    [Fact]
    public async Task Failing_body_stream_should_leave_no_file_and_defer()
    {
        var delivery = Delivery("Q1", 0, []) with { OpenBody = () => new FailingStream(new IOException("spool segment unreadable")) };

        var result = await writer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Equal(MaildirOutcome.Failed, result.Outcome);
        Assert.True(result.IsTransient);
        Assert.StartsWith("4.3.0 ", result.Error, StringComparison.Ordinal);
        Assert.Contains("spool segment unreadable", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "new")));
    }

    [Fact]
    public async Task Full_disk_should_defer_with_mail_system_full()
    {
        var delivery = Delivery("Q1", 0, []) with { OpenBody = () => new FailingStream(new IOException("No space left on device", 28)) };

        var result = await writer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Equal(MaildirResult.Transient("4.3.0 Mail system full: no space left on device"), result);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
    }

    [Fact]
    public async Task Body_that_cannot_be_opened_should_defer()
    {
        var delivery = Delivery("Q1", 0, []) with { OpenBody = () => throw new FileNotFoundException("segment gone") };

        var result = await writer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Equal(MaildirOutcome.Failed, result.Outcome);
        Assert.True(result.IsTransient);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "new")));
    }

    [Fact]
    public async Task Cancellation_during_the_copy_should_remove_the_partial_file_and_throw()
    {
        using var cancellation = new CancellationTokenSource();
        var delivery = Delivery("Q1", 0, []) with { OpenBody = () => new CancellingStream(cancellation) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.DeliverAsync(delivery, cancellation.Token));

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "new")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"\"")]
    public async Task Unusable_mailbox_address_should_bounce_without_touching_the_disk(string localPart)
    {
        var result = await writer.DeliverAsync(Delivery("Q1", 0, []) with { LocalPart = localPart }, CancellationToken.None);

        Assert.Equal(MaildirOutcome.Failed, result.Outcome);
        Assert.False(result.IsTransient);
        Assert.StartsWith("5.1.3 ", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dataDir.Path, "maildir")));
    }

    [Theory]
    [InlineData("evil@example.org\r\nX-Injected: yes", "john@example.com", "5.1.7 ")]
    [InlineData("sender@example.org", "john@example.com\nX-Injected: yes", "5.1.3 ")]
    [InlineData("sender@example.org", "john@example.com\0", "5.1.3 ")]
    public async Task Line_break_in_an_envelope_address_should_bounce(string returnPath, string deliveredTo, string expectedCode)
    {
        var delivery = Delivery("Q1", 0, []) with { ReturnPath = returnPath, DeliveredTo = deliveredTo };

        var result = await writer.DeliverAsync(delivery, CancellationToken.None);

        Assert.Equal(MaildirOutcome.Failed, result.Outcome);
        Assert.False(result.IsTransient);
        Assert.StartsWith(expectedCode, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_deliveries_to_one_mailbox_should_all_land()
    {
        const int count = 50;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() =>
            writer.DeliverAsync(Delivery($"Q{i / 5}", i % 5, Encoding.ASCII.GetBytes($"message {i}")), CancellationToken.None))));

        Assert.All(results, result => Assert.Equal(MaildirResult.Delivered, result));
        var files = Directory.GetFiles(Path.Combine(Mailbox, "new"));
        Assert.Equal(count, files.Length);
        for (var i = 0; i < count; i++)
        {
            var text = await File.ReadAllTextAsync(Path.Combine(Mailbox, "new", $"Q{i / 5}.R{i % 5}.mx.example"));
            Assert.Equal($"{Headers}message {i}", text);
        }

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Mailbox, "tmp")));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task Maildir_folders_should_be_created_private_to_the_owner()
    {
        await writer.DeliverAsync(Delivery("Q1", 0, "x"u8.ToArray()), CancellationToken.None);

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(dataDir.Path, "maildir")));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(dataDir.Path, "maildir", "example.com")));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Mailbox));
        foreach (var subfolder in new[] { "tmp", "new", "cur" })
        {
            Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Mailbox, subfolder)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Mailbox, "new", "Q1.R0.mx.example")));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task Existing_maildir_should_be_used_as_it_is()
    {
        const UnixFileMode groupReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        foreach (var subfolder in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(Mailbox, subfolder), groupReadable);
        }

        var result = await writer.DeliverAsync(Delivery("Q1", 0, "x"u8.ToArray()), CancellationToken.None);

        Assert.Equal(MaildirResult.Delivered, result);
        Assert.Equal(groupReadable, File.GetUnixFileMode(Path.Combine(Mailbox, "new")));
    }

    [Fact]
    public async Task Unusable_queue_id_should_be_refused_as_a_caller_error()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => writer.DeliverAsync(Delivery("../Q1", 0, []), CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("mx\r\n")]
    public void Writer_should_refuse_an_unusable_host_name(string hostName)
    {
        Assert.Throws<ArgumentException>(() => new MaildirWriter(dataDir.Path, hostName, NullLogger.Instance));
    }

    private static MaildirDelivery Delivery(string queueId, int recipientIndex, byte[] body) =>
        new(queueId, recipientIndex, "example.com", "john", "sender@example.org", "john@example.com", () => new MemoryStream(body, writable: false), CheckExisting: false);

    /// <summary>Yields some bytes, then fails the way a broken spool read would.</summary>
    private sealed class FailingStream(Exception failure) : Stream
    {
        private bool yielded;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (yielded)
            {
                throw failure;
            }

            yielded = true;
            buffer.AsSpan(offset, count).Fill((byte)'x');
            return count;
        }

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Yields one buffer, cancels the delivery, and honours the cancellation on the next read.</summary>
    private sealed class CancellingStream(CancellationTokenSource cancellation) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            buffer.Span.Fill((byte)'x');
            cancellation.Cancel();
            return ValueTask.FromResult(buffer.Length);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            cancellation.Cancel();
            return count;
        }

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
