namespace Mta.Core.Queue;

/// <summary>
/// Queue ids as Postfix's long ids are: time-ordered, unique on a node across restarts (the
/// counter never runs behind the clock), and safe in file names. 13 characters of base 32.
/// </summary>
public sealed class QueueIdGenerator(TimeProvider clock)
{
    private const string Alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZb";
    private long _last;

    /// <summary>A new id.</summary>
    public string Next()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        long value;
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            value = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, value, last) == last) break;
        }
        return Encode(value);
    }

    internal static string Encode(long value)
    {
        Span<char> chars = stackalloc char[13];
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
