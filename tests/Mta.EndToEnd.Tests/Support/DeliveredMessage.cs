using System.Text;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>
/// A Maildir file taken apart the way the server writes it: <c>Return-Path:</c>, <c>Delivered-To:</c>,
/// the server's own <c>Received:</c> header (with its tab-indented continuation lines), then the
/// content exactly as received from the client.
/// </summary>
internal sealed record DeliveredMessage(string ReturnPath, string DeliveredTo, string Received, byte[] Content)
{
    /// <summary>Splits a delivered file; fails when it does not start with the three headers in that order.</summary>
    public static DeliveredMessage Parse(byte[] file)
    {
        var position = 0;
        var returnPath = ReadLine(file, ref position);
        var deliveredTo = ReadLine(file, ref position);
        var received = new StringBuilder(ReadLine(file, ref position));
        while (position < file.Length && file[position] == (byte)'\t')
            received.Append("\r\n").Append(ReadLine(file, ref position));
        if (!returnPath.StartsWith("Return-Path: ", StringComparison.Ordinal)
            || !deliveredTo.StartsWith("Delivered-To: ", StringComparison.Ordinal)
            || !received.ToString().StartsWith("Received: ", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException($"the delivered file does not start with Return-Path, Delivered-To and Received:\n{Encoding.UTF8.GetString(file)}");
        return new DeliveredMessage(returnPath["Return-Path: ".Length..], deliveredTo["Delivered-To: ".Length..], received.ToString(), file[position..]);
    }

    /// <summary>The value of the first header field named <paramref name="name"/> in an RFC 5322 message, unfolded; null when absent.</summary>
    public static string? HeaderValue(byte[] message, string name)
    {
        foreach (var field in HeaderFields(message))
        {
            var colon = field.IndexOf(':');
            if (colon > 0 && field.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return field[(colon + 1)..].Trim();
        }
        return null;
    }

    /// <summary>The header fields of an RFC 5322 message, each unfolded into one line.</summary>
    public static IReadOnlyList<string> HeaderFields(byte[] message)
    {
        var fields = new List<string>();
        var position = 0;
        while (position < message.Length)
        {
            var line = ReadLine(message, ref position);
            if (line.Length == 0) break;
            if ((line[0] == ' ' || line[0] == '\t') && fields.Count > 0) fields[^1] += line;
            else fields.Add(line);
        }
        return fields;
    }

    private static string ReadLine(byte[] bytes, ref int position)
    {
        var rest = bytes.AsSpan(position);
        var end = rest.IndexOf("\r\n"u8);
        if (end < 0) throw new Xunit.Sdk.XunitException($"no CRLF after offset {position} in:\n{Encoding.UTF8.GetString(bytes)}");
        position += end + 2;
        return Encoding.UTF8.GetString(rest[..end]);
    }
}
