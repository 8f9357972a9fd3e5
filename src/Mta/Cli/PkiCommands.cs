using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mta.Tls;

namespace Mta.Cli;

/// <summary>
/// <c>mta pki ca|issue|fingerprint|show</c>: a private CA and its certificates for MTAs that authenticate
/// each other, and the fingerprints that relay-clientcerts and the fingerprint level use.
/// </summary>
internal static class PkiCommands
{
    /// <summary>Exit code for a file that is missing, unreadable, not PEM, or would be overwritten.</summary>
    public const int FileError = 2;

    private const int DefaultCaDays = 3650;

    // 825 days: the longest validity TLS clients accepted for a server certificate after 2018.
    private const int DefaultLeafDays = 825;

    private const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The <c>pki</c> command with its subcommands.</summary>
    public static Command Build()
    {
        var command = new Command("pki", "Make and inspect certificates: a private CA, server and client certificates, fingerprints");
        command.Subcommands.Add(CaCommand());
        command.Subcommands.Add(IssueCommand());
        command.Subcommands.Add(FingerprintCommand());
        command.Subcommands.Add(ShowCommand());
        return command;
    }

    private static Command CaCommand()
    {
        var name = NameOption("Common name of the CA, such as \"Example Mail CA\"");
        var outCert = OutputOption("--out-cert", "File to write the CA certificate to (PEM); give it to peers as their ca-file");
        var outKey = OutputOption("--out-key", "File to write the CA private key to (PKCS#8 PEM, mode 0600); keep it offline");
        var days = DaysOption(DefaultCaDays);
        var rsa = RsaOption();
        var force = ForceOption();
        var command = new Command("ca", "Create a certificate authority: a self-signed CA certificate and its key")
        {
            name, outCert, outKey, days, rsa, force,
        };
        command.SetAction(result => Run(() =>
        {
            var certificateFile = result.GetValue(outCert)!;
            var keyFile = result.GetValue(outKey)!;
            EnsureWritable(certificateFile, keyFile, result.GetValue(force));
            var ca = Pki.CreateCa(result.GetValue(name)!, TimeSpan.FromDays(result.GetValue(days)), KeyAlgorithmOf(result.GetValue(rsa)));
            Write(ca, certificateFile, keyFile, result.GetValue(force));
        }));
        return command;
    }

    private static Command IssueCommand()
    {
        var ca = new Option<FileInfo>("--ca") { Description = "The CA certificate (PEM)", Required = true };
        var caKey = new Option<FileInfo>("--ca-key") { Description = "The CA private key (PEM)", Required = true };
        var name = NameOption("Common name of the certificate: the host name of a server, a name for a client");
        var san = new Option<string[]>("--san")
        {
            Description = "A DNS name for subjectAltName (repeat for more; *.domain for a wildcard). Server certificates get the name when none is given",
        };
        var client = new Option<bool>("--client") { Description = "A client certificate (clientAuth), to be granted relay by fingerprint or CA" };
        var server = new Option<bool>("--server") { Description = "A server certificate (serverAuth); the default" };
        var both = new Option<bool>("--both") { Description = "A certificate for both server and client use" };
        var outCert = OutputOption("--out-cert", "File to write the certificate to (PEM)");
        var outKey = OutputOption("--out-key", "File to write the private key to (PKCS#8 PEM, mode 0600)");
        var days = DaysOption(DefaultLeafDays);
        var rsa = RsaOption();
        var force = ForceOption();
        var command = new Command("issue", "Issue a server or client certificate signed by a CA")
        {
            ca, caKey, name, san, client, server, both, outCert, outKey, days, rsa, force,
        };
        command.Validators.Add(commandResult =>
        {
            var chosen = new[] { client, server, both }.Count(option => commandResult.GetValue(option));
            if (chosen > 1) commandResult.AddError("Give only one of --client, --server and --both.");
        });
        command.SetAction(result => Run(() =>
        {
            var certificateFile = result.GetValue(outCert)!;
            var keyFile = result.GetValue(outKey)!;
            EnsureWritable(certificateFile, keyFile, result.GetValue(force));
            var authority = Pki.LoadCertificateAuthority(result.GetValue(ca)!.FullName, result.GetValue(caKey)!.FullName);
            var usage = result.GetValue(client) ? CertificateUsage.Client
                : result.GetValue(both) ? CertificateUsage.Both
                : CertificateUsage.Server;
            var commonName = result.GetValue(name)!;
            var dnsNames = result.GetValue(san) ?? [];
            // A server is checked by name, and modern clients read only subjectAltName.
            if (dnsNames.Length == 0 && usage != CertificateUsage.Client) dnsNames = [commonName];
            var now = DateTimeOffset.UtcNow;
            var issued = Pki.Issue(
                authority, commonName, dnsNames, usage, now - Pki.ClockSkewAllowance, now.AddDays(result.GetValue(days)), KeyAlgorithmOf(result.GetValue(rsa)));
            Write(issued, certificateFile, keyFile, result.GetValue(force));
        }));
        return command;
    }

    private static Command FingerprintCommand()
    {
        var file = new Argument<FileInfo>("file") { Description = "A PEM certificate file (its first certificate is used)" };
        var digest = new Option<string>("--digest")
        {
            Description = "Digest, as fingerprint-digest: sha256, sha1, md5 or sha512",
            DefaultValueFactory = _ => FingerprintDigest.Sha256.ToConfigWord(),
        };
        digest.Validators.Add(optionResult =>
        {
            var word = optionResult.GetValueOrDefault<string>();
            if (!FingerprintDigests.TryParse(word, out _))
                optionResult.AddError($"Unknown digest '{word}': use {string.Join(", ", FingerprintDigests.ConfigWords)}.");
        });
        var publicKey = new Option<bool>("--pubkey")
        {
            Description = "Digest of the public key rather than of the whole certificate (survives renewal with the same key)",
        };
        var command = new Command(
            "fingerprint",
            "Print '<FINGERPRINT> <CN>', a line for relay-clientcerts")
        {
            file, digest, publicKey,
        };
        command.SetAction(result => Run(() =>
        {
            FingerprintDigests.TryParse(result.GetValue(digest), out var chosenDigest);
            using var certificate = Pki.LoadCertificate(result.GetValue(file)!.FullName);
            var fingerprint = result.GetValue(publicKey)
                ? Fingerprint.OfPublicKey(certificate, chosenDigest)
                : Fingerprint.OfCertificate(certificate, chosenDigest);
            Console.WriteLine($"{fingerprint} {TableValue(certificate)}");
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var file = new Argument<FileInfo>("file") { Description = "A PEM file with one or more certificates" };
        var command = new Command("show", "Print subject, issuer, serial, validity, names, key and sha256 fingerprints of each certificate")
        {
            file,
        };
        command.SetAction(result => Run(() =>
        {
            var certificates = Pki.LoadCertificates(result.GetValue(file)!.FullName);
            try
            {
                for (var i = 0; i < certificates.Count; i++)
                {
                    if (i > 0) Console.WriteLine();
                    if (certificates.Count > 1) Console.WriteLine($"certificate {i + 1} of {certificates.Count}");
                    Console.Write(Describe(certificates[i], DateTimeOffset.UtcNow));
                }
            }
            finally
            {
                foreach (var certificate in certificates) certificate.Dispose();
            }
        }));
        return command;
    }

    private static Option<string> NameOption(string description)
    {
        var option = new Option<string>("--name") { Description = description, Required = true };
        option.Validators.Add(optionResult =>
        {
            if (string.IsNullOrWhiteSpace(optionResult.GetValueOrDefault<string>())) optionResult.AddError("--name must not be empty.");
        });
        return option;
    }

    private static Option<FileInfo> OutputOption(string name, string description) =>
        new(name) { Description = description, Required = true };

    private static Option<int> DaysOption(int defaultDays)
    {
        var option = new Option<int>("--days")
        {
            Description = "Validity in days from now",
            DefaultValueFactory = _ => defaultDays,
        };
        option.Validators.Add(optionResult =>
        {
            if (optionResult.GetValueOrDefault<int>() < 1) optionResult.AddError("--days must be at least 1.");
        });
        return option;
    }

    private static Option<int?> RsaOption()
    {
        var option = new Option<int?>("--rsa") { Description = "An RSA key of 2048 or 3072 bits instead of ECDSA P-256" };
        option.AcceptOnlyFromAmong("2048", "3072");
        return option;
    }

    private static Option<bool> ForceOption() =>
        new("--force") { Description = "Replace output files that already exist" };

    private static KeyAlgorithm KeyAlgorithmOf(int? rsaBits) => rsaBits switch
    {
        null => KeyAlgorithm.EcdsaP256,
        2048 => KeyAlgorithm.Rsa2048,
        _ => KeyAlgorithm.Rsa3072,
    };

    /// <summary>Runs a verb; problems with files, keys and names end it with a one-line error and exit code 2.</summary>
    private static int Run(Action verb)
    {
        try
        {
            verb();
            return 0;
        }
        catch (ArgumentException e)
        {
            // The message is for the operator, who did not name the parameter.
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
            Console.Error.WriteLine($"mta pki: {message}");
            return FileError;
        }
        catch (Exception e) when (e is CertificateFileException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            Console.Error.WriteLine($"mta pki: {e.Message}");
            return FileError;
        }
    }

    /// <summary>Checked before any key is made, so that a refusal leaves nothing half written.</summary>
    private static void EnsureWritable(FileInfo certificateFile, FileInfo keyFile, bool force)
    {
        if (string.Equals(certificateFile.FullName, keyFile.FullName, StringComparison.Ordinal))
            throw new IOException("--out-cert and --out-key must be different files");
        foreach (var file in new[] { certificateFile, keyFile })
        {
            if (file.Directory is { Exists: false } folder) throw new IOException($"{folder.FullName}: no such folder");
            if (file.Exists && !force) throw new IOException($"{file.FullName} exists; use --force to replace it");
        }
    }

    private static void Write(CertificateWithKey made, FileInfo certificateFile, FileInfo keyFile, bool force)
    {
        WritePrivateKey(keyFile.FullName, made.PrivateKeyPem, force);
        File.WriteAllText(certificateFile.FullName, made.CertificatePem, Encoding.ASCII);
        using var certificate = X509CertificateLoader.LoadCertificate(Encoding.ASCII.GetBytes(made.CertificatePem));
        Console.WriteLine($"{certificateFile.FullName}: {certificate.Subject}, valid until {Utc(certificate.NotAfter)}");
        Console.WriteLine($"{keyFile.FullName}: private key, mode 0600");
    }

    /// <summary>
    /// Creates the key file with mode 0600 from the start (never briefly readable by others). A file being
    /// replaced is removed first, because the mode applies only to a file the call creates.
    /// </summary>
    private static void WritePrivateKey(string path, string pem, bool force)
    {
        if (force) File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateKeyMode;
        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(pem));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The free-text column of a relay-clientcerts line: the CN (or another subject name), on one line.</summary>
    private static string TableValue(X509Certificate2 certificate)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrWhiteSpace(name)) name = certificate.Subject;
        if (string.IsNullOrWhiteSpace(name)) return "-";
        return string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }

    private static string Describe(X509Certificate2 certificate, DateTimeOffset now)
    {
        var text = new StringBuilder();
        void Line(string label, string value) => text.Append(CultureInfo.InvariantCulture, $"{label + ":",-20} {value}\n");

        Line("subject", certificate.Subject);
        Line("issuer", certificate.Issuer);
        Line("serial", certificate.SerialNumber);
        Line("not before", Utc(certificate.NotBefore));
        var state = now < certificate.NotBefore.ToUniversalTime() ? " (not yet valid)"
            : now > certificate.NotAfter.ToUniversalTime() ? " (expired)"
            : string.Empty;
        Line("not after", Utc(certificate.NotAfter) + state);
        Line("subject alt names", AlternativeNames(certificate));
        Line("key", KeyDescription(certificate));
        Line("ca", certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true } constraints
            ? (constraints.HasPathLengthConstraint ? $"yes, path length {constraints.PathLengthConstraint}" : "yes")
            : "no");
        Line("sha256 fingerprint", Fingerprint.OfCertificate(certificate, FingerprintDigest.Sha256));
        Line("sha256 public key", Fingerprint.OfPublicKey(certificate, FingerprintDigest.Sha256));
        return text.ToString();
    }

    private static string AlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17") continue;
            try
            {
                var alternativeNames = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                names.AddRange(alternativeNames.EnumerateDnsNames().Select(name => "DNS:" + name));
                names.AddRange(alternativeNames.EnumerateIPAddresses().Select(address => "IP:" + address));
            }
            catch (CryptographicException)
            {
                names.Add("(malformed)");
            }
        }
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    private static string KeyDescription(X509Certificate2 certificate)
    {
        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null) return $"RSA {rsa.KeySize} bits";
        }
        using (var ecdsa = certificate.GetECDsaPublicKey())
        {
            if (ecdsa is not null) return $"ECDSA {CurveName(ecdsa.ExportParameters(false).Curve.Oid)} ({ecdsa.KeySize} bits)";
        }
        return certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
    }

    private static string CurveName(Oid curve) => curve.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        _ => curve.FriendlyName ?? curve.Value ?? "unknown curve",
    };

    private static string Utc(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
