using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ReturnsActors.Api.Auth;

/// <summary>Tenant API keys look like <c>ra_live_&lt;keyId&gt;_&lt;secret&gt;</c>: a prefix secret scanners can
/// find, the id that locates the stored hash, and 32 random bytes in base64url.</summary>
public static class ApiKeyFormat
{
    public const string Prefix = "ra_live_";
    private const int KeyIdBytes = 10;
    private const int SecretBytes = 32;

    public static (string KeyId, string Secret, string FullKey) Generate()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyIdBytes));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return (keyId, secret, Format(keyId, secret));
    }

    public static string Format(string keyId, string secret) => $"{Prefix}{keyId}_{secret}";

    /// <summary>Splits a presented key; false when it is not a tenant key at all.</summary>
    public static bool TryParse(string presented, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = presented.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator != KeyIdBytes * 2 || rest.Length - separator - 1 < 43)
        {
            return false;
        }

        foreach (var c in rest[..separator])
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        keyId = rest[..separator].ToString();
        secret = rest[(separator + 1)..].ToString();
        return true;
    }

    /// <summary>A plain SHA-256, unsalted and fast, is enough here: the secret is 256 random bits, so
    /// there is no dictionary to try and brute force is hopeless; slow password hashes (PBKDF2, Argon2)
    /// only matter for low-entropy secrets people choose, and would cost CPU on every request.</summary>
    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool SecretMatches(string secret, byte[] storedHash) =>
        storedHash.Length == SHA256.HashSizeInBytes && CryptographicOperations.FixedTimeEquals(HashSecret(secret), storedHash);
}
