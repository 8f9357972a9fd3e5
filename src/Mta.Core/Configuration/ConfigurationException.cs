namespace Mta.Core.Configuration;

/// <summary>
/// A configuration value or file that cannot be used. Thrown at start-up so that the MTA never
/// runs with a setting it did not understand.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates an error about one key.</summary>
    /// <param name="key">The full HOCON path, for example <c>mta.smtpd.timeout</c>; empty when the error concerns a whole file.</param>
    /// <param name="message">What is wrong and which form is accepted.</param>
    public ConfigurationException(string key, string message)
        : base(message)
    {
        Key = key;
    }

    /// <summary>Creates an error about one key, caused by another exception.</summary>
    /// <param name="key">The full HOCON path; empty when the error concerns a whole file.</param>
    /// <param name="message">What is wrong and which form is accepted.</param>
    /// <param name="innerException">The underlying cause (an I/O or parser error).</param>
    public ConfigurationException(string key, string message, Exception innerException)
        : base(message, innerException)
    {
        Key = key;
    }

    /// <summary>The full HOCON path of the offending key (for example <c>mta.smtpd.timeout</c>); empty for a file-level error.</summary>
    public string Key { get; }

    internal static ConfigurationException InvalidValue(string key, string value, string expected) =>
        new(key, $"Invalid value '{value}' for '{key}': expected {expected}.");
}
