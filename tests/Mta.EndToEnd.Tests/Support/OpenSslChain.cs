using System.Diagnostics;
using System.Globalization;

namespace Mta.EndToEnd.Tests.Support;

/// <summary>The files of one certificate issued by the intermediate CA of an <see cref="OpenSslChain"/>.</summary>
/// <param name="LeafCert">The certificate alone (PEM).</param>
/// <param name="ChainCert">The certificate followed by the intermediate CA's certificate, in one PEM file, as a cert-file that carries its chain.</param>
/// <param name="Key">The certificate's private key (PEM, PKCS#8, unencrypted).</param>
internal sealed record ChainLeaf(string LeafCert, string ChainCert, string Key);

/// <summary>
/// A two-level PKI made with the <c>openssl</c> command, as operators make theirs: a root CA, an
/// intermediate CA signed by the root, and leaf certificates signed by the intermediate, so that a
/// peer trusting only the root verifies a leaf only when the intermediate is sent with it. Every key
/// is EC P-256; every certificate is valid from yesterday (a little clock skew does no harm) for
/// 30 days, which <c>openssl ca</c> can write where <c>openssl x509</c> of OpenSSL 3.0 cannot.
/// </summary>
internal sealed class OpenSslChain
{
    /// <summary>The root CA's subject CN.</summary>
    public const string RootName = "Chain Root CA";

    /// <summary>The intermediate CA's subject CN: the issuer of every leaf.</summary>
    public const string IntermediateName = "Chain Intermediate CA";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _caFolder;
    private readonly string _caConfig;
    private readonly string _intermediateKey;
    private readonly string _startDate;
    private readonly string _endDate;

    private OpenSslChain(string folder)
    {
        Folder = folder;
        _caFolder = Path.Combine(folder, "openssl-ca");
        _caConfig = Path.Combine(_caFolder, "ca.cnf");
        _intermediateKey = Path.Combine(folder, "intermediate.key");
        var now = DateTime.UtcNow;
        _startDate = AsnTime(now.AddDays(-1));
        _endDate = AsnTime(now.AddDays(30));
    }

    /// <summary>The folder holding every file of the chain.</summary>
    public string Folder { get; }

    /// <summary>The root CA's self-signed certificate (PEM): the only certificate a peer needs to trust.</summary>
    public string RootCert => Path.Combine(Folder, "root.pem");

    /// <summary>The intermediate CA's certificate (PEM), signed by the root.</summary>
    public string IntermediateCert => Path.Combine(Folder, "intermediate.pem");

    /// <summary>
    /// Makes the root CA and the intermediate CA in <paramref name="folder"/> (created if need be).
    /// Both CA certificates carry basicConstraints critical CA:TRUE and keyUsage keyCertSign, cRLSign.
    /// </summary>
    /// <exception cref="InvalidOperationException">An openssl command failed; the message holds what it printed.</exception>
    public static async Task<OpenSslChain> CreateAsync(string folder)
    {
        var chain = new OpenSslChain(folder);
        Directory.CreateDirectory(chain._caFolder);
        await File.WriteAllTextAsync(chain._caConfig, chain.CaConfig());
        await File.WriteAllTextAsync(Path.Combine(chain._caFolder, "index.txt"), "");

        var rootKey = Path.Combine(folder, "root.key");
        var rootRequest = Path.Combine(chain._caFolder, "root.csr");
        await GenerateKeyAsync(rootKey);
        await RequestAsync(rootKey, RootName, rootRequest);
        await chain.SignAsync(["-selfsign", "-keyfile", rootKey], rootRequest, chain.RootCert, "-extensions", "root_ca");

        var intermediateRequest = Path.Combine(chain._caFolder, "intermediate.csr");
        await GenerateKeyAsync(chain._intermediateKey);
        await RequestAsync(chain._intermediateKey, IntermediateName, intermediateRequest);
        await chain.SignAsync(["-cert", chain.RootCert, "-keyfile", rootKey], intermediateRequest, chain.IntermediateCert, "-extensions", "intermediate_ca");
        return chain;
    }

    /// <summary>
    /// A client certificate for <paramref name="commonName"/> (subject CN, extendedKeyUsage clientAuth),
    /// signed by the intermediate; its files are named after <paramref name="fileName"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">An openssl command failed; the message holds what it printed.</exception>
    public Task<ChainLeaf> IssueClientAsync(string fileName, string commonName) =>
        IssueAsync(fileName, commonName, """
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = clientAuth
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            """);

    /// <summary>
    /// A server certificate for <paramref name="dnsName"/> (subject CN and the one DNS subjectAltName,
    /// extendedKeyUsage serverAuth), signed by the intermediate; its files are named after <paramref name="fileName"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">An openssl command failed; the message holds what it printed.</exception>
    public Task<ChainLeaf> IssueServerAsync(string fileName, string dnsName) =>
        IssueAsync(fileName, dnsName, $"""
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = DNS:{dnsName}
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            """);

    private async Task<ChainLeaf> IssueAsync(string fileName, string commonName, string extensions)
    {
        var leaf = new ChainLeaf(Path.Combine(Folder, fileName + ".pem"), Path.Combine(Folder, fileName + "-chain.pem"), Path.Combine(Folder, fileName + ".key"));
        var request = Path.Combine(_caFolder, fileName + ".csr");
        var extensionFile = Path.Combine(_caFolder, fileName + ".ext");
        await File.WriteAllTextAsync(extensionFile, $"[ leaf ]\n{extensions}\n");
        await GenerateKeyAsync(leaf.Key);
        await RequestAsync(leaf.Key, commonName, request);
        await SignAsync(["-cert", IntermediateCert, "-keyfile", _intermediateKey], request, leaf.LeafCert, "-extfile", extensionFile, "-extensions", "leaf");
        await File.WriteAllTextAsync(leaf.ChainCert, await File.ReadAllTextAsync(leaf.LeafCert) + await File.ReadAllTextAsync(IntermediateCert));
        return leaf;
    }

    /// <summary>
    /// The configuration of <c>openssl ca</c>: its database in the CA folder, any subject with a CN,
    /// random serial numbers, and the extensions of the two CA certificates (leaves bring their own).
    /// </summary>
    private string CaConfig() => $"""
        [ ca ]
        default_ca = chain_ca

        [ chain_ca ]
        database = {_caFolder}/index.txt
        new_certs_dir = {_caFolder}
        serial = {_caFolder}/serial
        default_md = sha256
        policy = any_subject
        unique_subject = no
        email_in_dn = no

        [ any_subject ]
        commonName = supplied

        [ root_ca ]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash

        [ intermediate_ca ]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always

        """;

    private Task SignAsync(IEnumerable<string> signer, string request, string certificate, params string[] extensions) =>
        OpenSslAsync([
            "ca", "-batch", "-config", _caConfig, .. signer, "-in", request, "-out", certificate,
            "-startdate", _startDate, "-enddate", _endDate, "-rand_serial", "-notext", .. extensions,
        ]);

    private static Task GenerateKeyAsync(string keyFile) =>
        OpenSslAsync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);

    private static Task RequestAsync(string keyFile, string commonName, string request) =>
        OpenSslAsync(["req", "-new", "-key", keyFile, "-subj", $"/CN={commonName}", "-out", request]);

    /// <summary>GeneralizedTime as <c>openssl ca -startdate/-enddate</c> take it.</summary>
    private static string AsnTime(DateTime utc) => utc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";

    private static async Task OpenSslAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("openssl", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"openssl {string.Join(' ', arguments)} did not finish within {CommandTimeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{await errors}{await output}");
    }
}
