using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mta.Tls;

namespace Mta.Core.Certificates;

/// <summary>
/// The certificate files of one side of TLS as read from disk: the certificate with its private key,
/// the chain certificates that follow it in its file (sent with it in every handshake), and the CA
/// certificates of ca-file and every file of ca-path.
/// </summary>
/// <param name="Certificate">The certificate with its private key; null when no cert-file is set.</param>
/// <param name="Chain">The other certificates of the cert-file, in file order: intermediates sent after the certificate.</param>
/// <param name="Authorities">The trusted CA certificates (ca-file and ca-path).</param>
public sealed record CertificateSet(X509Certificate2? Certificate, X509Certificate2Collection Chain, X509Certificate2Collection Authorities);

/// <summary>
/// A side of TLS built from its <see cref="CertificateSet"/> and rebuilt when the files change: their
/// last-write times and lengths (and the file names of ca-path) are looked at, at most once per
/// <see cref="CheckInterval"/> of the clock, when <see cref="Current"/> is read. A changed set that
/// cannot be read or used is logged with the reason and the previous one stays in use, so a
/// half-written renewal never takes TLS down.
/// </summary>
/// <typeparam name="T">What one side makes of the files: handshake options, a certificate context.</typeparam>
public sealed class CertificateFiles<T>
    where T : class
{
    /// <summary>How often, at most, the files are looked at.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _section;
    private readonly string? _certFile;
    private readonly string? _keyFile;
    private readonly string? _caFile;
    private readonly string? _caPath;
    private readonly Func<CertificateSet, T> _build;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile T _current;
    private string _stamp;
    private long _nextCheckTicks;

    /// <summary>Reads the files and builds the first value.</summary>
    /// <param name="section">The settings section the files come from, such as <c>mta.smtpd.tls</c>: named in the logs.</param>
    /// <param name="certFile">The certificate (PEM), followed by its chain; null for none.</param>
    /// <param name="keyFile">The certificate's private key (PEM); set exactly when <paramref name="certFile"/> is.</param>
    /// <param name="caFile">A PEM bundle of trusted CAs; null for none.</param>
    /// <param name="caPath">A folder of PEM CA certificates; null for none.</param>
    /// <param name="build">Makes the value from the files; may throw <see cref="CryptographicException"/> or <see cref="ArgumentException"/> when the set is unusable.</param>
    /// <param name="clock">Paces the checks.</param>
    /// <param name="logger">Receives reloads and unusable changes.</param>
    /// <exception cref="CertificateFileException">A file cannot be read or used at start.</exception>
    public CertificateFiles(
        string section, string? certFile, string? keyFile, string? caFile, string? caPath, Func<CertificateSet, T> build, TimeProvider clock, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(clock);
        _section = section;
        _certFile = certFile;
        _keyFile = keyFile;
        _caFile = caFile;
        _caPath = caPath;
        _build = build;
        _clock = clock;
        _logger = logger ?? NullLogger.Instance;
        _stamp = Stamp();
        _current = Load();
        _nextCheckTicks = clock.GetTimestamp() + IntervalIn(clock);
    }

    /// <summary>The value built from the files as they are now (re-read first if they changed).</summary>
    public T Current
    {
        get
        {
            ReloadIfDue();
            return _current;
        }
    }

    private void ReloadIfDue()
    {
        // A monotonic timestamp: setting the wall clock back does not stop the checks.
        long now = _clock.GetTimestamp();
        if (now < Volatile.Read(ref _nextCheckTicks))
        {
            return;
        }

        lock (_gate)
        {
            if (now < _nextCheckTicks)
            {
                return;
            }

            _nextCheckTicks = now + IntervalIn(_clock);
            string stamp = Stamp();
            if (stamp == _stamp)
            {
                return;
            }

            // Whatever happens, this change has been looked at: an unusable file is reported once, not every second.
            _stamp = stamp;
            try
            {
                // The previous set is left to the garbage collector, not disposed: handshakes that
                // started with it may still be using it.
                _current = Load();
                CertificateFilesLog.Reloaded(_logger, _section, _certFile ?? "(none)", _caFile ?? "(none)", _caPath ?? "(none)");
            }
            catch (CertificateFileException e)
            {
                CertificateFilesLog.ReloadFailed(_logger, _section, e.Message);
            }
        }
    }

    private static long IntervalIn(TimeProvider clock) => (long)(CheckInterval.TotalSeconds * clock.TimestampFrequency);

    private T Load()
    {
        try
        {
            X509Certificate2? certificate = null;
            var chain = new X509Certificate2Collection();
            if (_certFile is not null && _keyFile is not null)
            {
                certificate = Pki.LoadCertificateWithKey(_certFile, _keyFile);
                foreach (X509Certificate2 sent in Pki.LoadCertificates(_certFile))
                {
                    if (sent.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    {
                        // The leaf again, without its key: the copy with the key is the one used.
                        sent.Dispose();
                    }
                    else
                    {
                        chain.Add(sent);
                    }
                }
            }

            var authorities = new X509Certificate2Collection();
            if (_caFile is not null)
            {
                authorities.AddRange(Pki.LoadCertificates(_caFile));
            }

            if (_caPath is not null)
            {
                authorities.AddRange(Pki.LoadFolder(_caPath));
            }

            return _build(new CertificateSet(certificate, chain, authorities));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new CertificateFileException($"{_section}: the certificate files cannot be used: {e.Message}", e);
        }
    }

    /// <summary>
    /// Last-write time and length of each file, and the names, times and lengths of ca-path's files.
    /// Never throws: a file that vanishes or cannot be looked at while it is being replaced (a
    /// <c>c_rehash</c> run, an editor's rename) is written as such and looked at again next time.
    /// </summary>
    private string Stamp()
    {
        var builder = new StringBuilder();
        foreach (string? path in (ReadOnlySpan<string?>)[_certFile, _keyFile, _caFile])
        {
            if (path is not null)
            {
                AppendStamp(builder, path);
            }
        }

        if (_caPath is not null)
        {
            try
            {
                foreach (string file in Directory.EnumerateFiles(_caPath).Order(StringComparer.Ordinal))
                {
                    builder.Append(file).Append('=');
                    AppendStamp(builder, file);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                builder.Append(_caPath).Append("=unreadable;");
            }
        }

        return builder.ToString();
    }

    private static void AppendStamp(StringBuilder builder, string path)
    {
        try
        {
            var info = new FileInfo(path);
            builder.Append(info.Exists ? $"{info.LastWriteTimeUtc.Ticks}/{info.Length};" : "missing;");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            builder.Append("unreadable;");
        }
    }
}

/// <summary>Log messages of <see cref="CertificateFiles{T}"/>.</summary>
internal static partial class CertificateFilesLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Section}: reloaded the TLS certificate files (cert-file {CertFile}, ca-file {CaFile}, ca-path {CaPath})")]
    public static partial void Reloaded(ILogger logger, string section, string certFile, string caFile, string caPath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Section}: the TLS certificate files changed but cannot be used ({Reason}); keeping the previous ones. Fix the files; they are looked at again when they change")]
    public static partial void ReloadFailed(ILogger logger, string section, string reason);
}
