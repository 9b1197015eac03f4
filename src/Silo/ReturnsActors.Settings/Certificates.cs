using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReturnsActors.Silo.Settings;

/// <summary>Loads the certificates the settings name, failing with one line that names the setting (never the password).</summary>
public static class Certificates
{
    /// <summary>The certificate with its private key; <paramref name="prefix"/> is the settings path (<c>ReturnsActors:Http:Https</c>).</summary>
    public static X509Certificate2 Load(CertificateSettings settings, string prefix) =>
        Load(settings.CertificateFile!, settings.CertificateKeyFile, settings.CertificatePassword, $"{prefix}:CertificateFile");

    public static X509Certificate2 Load(string file, string? keyFile, string? password, string key)
    {
        RequireFile(file, key);
        if (!string.IsNullOrWhiteSpace(keyFile))
        {
            RequireFile(keyFile, key.Replace(":CertificateFile", ":CertificateKeyFile", StringComparison.Ordinal));
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(file)
                ? string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(file, string.IsNullOrWhiteSpace(keyFile) ? null : keyFile)
                    : X509Certificate2.CreateFromEncryptedPemFile(file, password, string.IsNullOrWhiteSpace(keyFile) ? null : keyFile)
                : X509CertificateLoader.LoadPkcs12FromFile(file, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new SettingsException($"Invalid setting {key}: '{file}' cannot be read as a certificate with its private key (wrong password, or not PKCS#12/PEM: {ex.Message.TrimEnd('.')}).");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new SettingsException($"Invalid setting {key}: '{file}' holds no private key (give it in the file or in CertificateKeyFile).");
        }

        if (certificate.NotAfter < DateTime.Now)
        {
            var expired = certificate.NotAfter;
            certificate.Dispose();
            throw new SettingsException($"Invalid setting {key}: the certificate in '{file}' expired on {expired:u}.");
        }

        // PEM keys are ephemeral; some platforms' TLS stacks want a persisted-style key, so re-import through PKCS#12.
        if (IsPem(file))
        {
            using var pem = certificate;
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.EphemeralKeySet);
        }

        return certificate;
    }

    /// <summary>A CA (or peer) certificate without a private key, PEM or DER.</summary>
    public static X509Certificate2 LoadPublic(string file, string key)
    {
        RequireFile(file, key);
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(file);
        }
        catch (CryptographicException ex)
        {
            throw new SettingsException($"Invalid setting {key}: '{file}' is not a PEM or DER certificate ({ex.Message.TrimEnd('.')}).");
        }
    }

    private static bool IsPem(string file)
    {
        using var reader = new StreamReader(file);
        var buffer = new char[4096];
        var read = reader.Read(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static void RequireFile(string file, string key)
    {
        if (!File.Exists(file))
        {
            throw new SettingsException($"Invalid setting {key}: '{file}' does not exist.");
        }
    }
}
