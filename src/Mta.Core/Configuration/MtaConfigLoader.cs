using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Mta.Core.Configuration;

/// <summary>
/// Assembles the effective configuration: the embedded reference.conf, the operator's file over
/// it, and environment variables over both (Kubernetes sets single keys that way). Akka.NET's HOCON
/// does not resolve <c>${?ENV}</c> substitutions, so the environment is mapped here, the way
/// Akka.Hosting maps <c>AKKA__</c> variables.
/// </summary>
public static class MtaConfigLoader
{
    /// <summary>Prefix of environment variables that set keys under <c>mta</c>.</summary>
    public const string EnvironmentPrefix = "MTA__";

    private const string ReferenceResourceName = "Mta.reference.conf";

    private static readonly Lazy<Config> LazyReference = new(LoadReference);
    private static readonly Lazy<KeyCatalog> LazyCatalog = new(() => KeyCatalog.FromReference(Reference));

    /// <summary>The embedded reference.conf alone: every key with its default.</summary>
    public static Config Reference => LazyReference.Value;

    /// <summary>The keys reference.conf defines, for validation.</summary>
    internal static KeyCatalog Catalog => LazyCatalog.Value;

    /// <summary>
    /// Loads the effective configuration. Environment variables named <c>MTA__SECTION__KEY_NAME</c>
    /// set <c>mta.section.key-name</c> (<c>__</c> separates path parts, <c>_</c> becomes <c>-</c>, lower
    /// case). For a key whose default is a list the value is comma-separated
    /// (<c>MTA__MYNETWORKS=10.0.0.0/8,::1/128</c>) or a HOCON array literal; a value starting with
    /// <c>{</c> is a HOCON object (for tables); anything else is taken as a string.
    /// </summary>
    /// <param name="operatorFile">The operator's HOCON file, or null for defaults only.</param>
    /// <param name="environment">Environment variables (name to value); entries without the prefix or with a null value are ignored.</param>
    /// <returns>The merged configuration; validate it with <see cref="MtaSettings.Create"/>.</returns>
    /// <exception cref="ConfigurationException">The file is missing or cannot be parsed (the message names the file and why), or a variable cannot be turned into a key or value.</exception>
    public static Config Load(string? operatorFile, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Config config = Reference;
        if (operatorFile is not null)
        {
            config = ParseOperatorFile(operatorFile).WithFallback(config);
        }

        foreach ((string name, string? value) in environment.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (value is null || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            config = EnvironmentOverride(name, value).WithFallback(config);
        }

        return config;
    }

    private static Config ParseOperatorFile(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            string reason = exception is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : exception.Message;
            throw new ConfigurationException(string.Empty, $"Cannot read the configuration file '{fullPath}': {reason}.", exception);
        }

        string? problem = HoconSyntaxCheck.FindProblem(text);
        if (problem is not null)
        {
            throw new ConfigurationException(string.Empty, $"Cannot parse the configuration file '{fullPath}': {problem}.");
        }

        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Akka.NET's parser reports errors with several exception types; any of them means the file cannot be used.
            throw new ConfigurationException(string.Empty, $"Cannot parse the configuration file '{fullPath}': {FirstLine(exception.Message)}", exception);
        }
    }

    private static Config EnvironmentOverride(string name, string value)
    {
        string key = KeyFromVariable(name);
        string literal = value.Trim();

        // The kind of value the key holds by default decides how the text is read, not the text's
        // shape: "[::1]:2525" is a listen address, not a HOCON array.
        if (Catalog.IsList(key))
        {
            return TryParseLiteral(key, literal, SettingReader.IsList) ?? ConfigurationFactory.ParseString($"{key} = [{string.Join(", ", SplitList(literal).Select(Quote))}]");
        }

        if (Catalog.IsTable(key) && literal.StartsWith('{'))
        {
            return TryParseLiteral(key, literal, parsed => parsed.IsObject())
                ?? throw new ConfigurationException(key, $"Invalid value '{value}' in environment variable {name} for '{key}': expected a HOCON object literal {{ key = value }} or a table file path.");
        }

        return ConfigurationFactory.ParseString($"{key} = {Quote(value)}");
    }

    private static Config? TryParseLiteral(string key, string literal, Func<HoconValue, bool> isExpectedKind)
    {
        string hocon = $"{key} = {literal}";
        if (!(literal.StartsWith('[') || literal.StartsWith('{')) || HoconSyntaxCheck.FindProblem(hocon) is not null)
        {
            return null;
        }

        try
        {
            Config parsed = ConfigurationFactory.ParseString(hocon);
            return parsed.GetValue(key) is { } parsedValue && isExpectedKind(parsedValue) ? parsed : null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SplitList(string literal)
    {
        // "[10.0.0.0/8, ::1/128]" is not valid HOCON (unquoted colons) but plainly means a list.
        if (literal.Length >= 2 && literal[0] == '[' && literal[^1] == ']' && literal.Count(c => c == ']') == 1)
        {
            literal = literal[1..^1];
        }

        return literal.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string KeyFromVariable(string name)
    {
        string[] parts = name[EnvironmentPrefix.Length..].Split("__");
        var key = new StringBuilder(MtaSettings.RootKey);
        foreach (string part in parts)
        {
            if (part.Length == 0 || !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ConfigurationException(
                    MtaSettings.RootKey,
                    $"Environment variable {name} does not name a configuration key: expected {EnvironmentPrefix}SECTION__KEY_NAME with letters, digits and single underscores, such as MTA__SMTPD__MESSAGE_SIZE_LIMIT.");
            }

            key.Append('.').Append(part.Replace('_', '-').ToLowerInvariant());
        }

        return key.ToString();
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }

    private static Config LoadReference()
    {
        using Stream stream = typeof(MtaConfigLoader).Assembly.GetManifestResourceStream(ReferenceResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ReferenceResourceName} is missing from {typeof(MtaConfigLoader).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
