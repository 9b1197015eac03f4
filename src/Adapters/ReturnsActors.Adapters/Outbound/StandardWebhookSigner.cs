using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReturnsActors.Adapters.Outbound;

/// <summary>Signs outbound webhooks per the Standard Webhooks specification: <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds)
/// and <c>webhook-signature</c> = space-separated <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c>, one per secret, so a
/// rotated secret and its predecessor both verify during the overlap window. Secrets are <c>whsec_</c> + base64 of the key.</summary>
public static class StandardWebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>A new secret: 24 random bytes (the spec asks for 24 to 64).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>The three headers for one delivery attempt, signed with every secret given (newest first).</summary>
    public static IReadOnlyDictionary<string, string> Sign(string messageId, DateTimeOffset timestamp, string body, IReadOnlyList<string> secrets)
    {
        ArgumentOutOfRangeException.ThrowIfZero(secrets.Count);
        var seconds = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var content = Encoding.UTF8.GetBytes($"{messageId}.{seconds}.{body}");
        var signatures = secrets.Select(s => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(s), content)));
        return new Dictionary<string, string>
        {
            [IdHeader] = messageId,
            [TimestampHeader] = seconds,
            [SignatureHeader] = string.Join(' ', signatures),
        };
    }

    private static byte[] Key(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}
