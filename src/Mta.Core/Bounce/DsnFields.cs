namespace Mta.Core.Bounce;

/// <summary>Formats the values of delivery-status fields (RFC 3464) from what the queue recorded.</summary>
internal static class DsnFields
{
    /// <summary>The diagnostic type written when a diagnostic carries none, as Postfix writes X-Postfix.</summary>
    public const string LocalDiagnosticType = "X-Mta";

    /// <summary>Values may come from a remote server's reply: control characters become spaces so that no line break can start a forged field.</summary>
    public static string Clean(string value)
    {
        if (!value.Any(char.IsControl)) return value;
        return string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });
    }

    /// <summary>The lower-case keyword of an action (RFC 3464 section 2.3.3).</summary>
    public static string ActionKeyword(DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        DsnAction.Expanded => "expanded",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown DSN action."),
    };

    /// <summary>True for an RFC 3463 status code: class 2, 4 or 5, then subject and detail of one to three digits.</summary>
    public static bool IsStatusCode(string status)
    {
        var parts = status.Split('.');
        return parts.Length == 3
            && parts[0] is "2" or "4" or "5"
            && IsShortNumber(parts[1])
            && IsShortNumber(parts[2]);

        static bool IsShortNumber(string part) => part.Length is >= 1 and <= 3 && part.All(char.IsAsciiDigit);
    }

    /// <summary>An address-type or diagnostic-type field value, <c>type; value</c>, from <c>type;value</c>; a value without a type gets <paramref name="defaultType"/>.</summary>
    public static string Typed(string value, string defaultType)
    {
        var (type, text) = SplitType(value);
        return $"{type ?? defaultType}; {text}";
    }

    /// <summary>The text after the type of a <c>type; text</c> value, or the whole value when it has no type.</summary>
    public static string Untyped(string value) => SplitType(value).Text;

    private static (string? Type, string Text) SplitType(string value)
    {
        var clean = Clean(value).Trim();
        var semicolon = clean.IndexOf(';');
        if (semicolon > 0)
        {
            var type = clean[..semicolon].Trim();
            // RFC 3464: address-type and diagnostic-type are atoms; anything else means the ';' belongs to the text.
            if (type.Length > 0 && type.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                return (type, clean[(semicolon + 1)..].Trim());
        }
        return (null, clean);
    }
}
