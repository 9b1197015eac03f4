using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ReturnsActors.Adapters.Canonical;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>Whether a partner's signature holds. A stale timestamp is reported apart from a wrong signature.</summary>
public sealed record SignatureCheck(bool Valid, string? Error = null)
{
    public static SignatureCheck Ok { get; } = new(true);

    public static SignatureCheck Fail(string error) => new(false, error);
}

/// <summary>One partner's webhook format at <c>POST /v1/inbound/{partner}</c>: its signature scheme and its mapping to
/// canonical commands, each named by the partner's event id so a redelivery is a no-op.</summary>
public interface IPartnerAdapter
{
    /// <summary>The <c>{partner}</c> route value.</summary>
    string Name { get; }

    /// <summary>Headers kept with a dead letter (besides Content-Type).</summary>
    IReadOnlyList<string> SignificantHeaders { get; }

    /// <summary>Checks the signature over the raw body with the tenant's secret.</summary>
    SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance);

    /// <summary>Maps the payload (with its significant headers); a failure becomes a dead letter with its reason.</summary>
    MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers);
}

/// <summary>HMAC helpers; comparisons are constant time.</summary>
public static class Hmac
{
    public static byte[] Sha256(string secret, ReadOnlySpan<byte> payload) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);

    public static bool HexEquals(byte[] expected, string? hex)
    {
        if (string.IsNullOrWhiteSpace(hex))
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(hex.Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool Base64Equals(byte[] expected, string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A Unix-seconds timestamp header within <paramref name="tolerance"/> of now, either way.</summary>
    public static SignatureCheck Fresh(string? timestamp, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SignatureCheck.Fail("The timestamp header is missing or not Unix seconds.");
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        return age.Duration() > tolerance
            ? SignatureCheck.Fail($"The timestamp is {(int)age.TotalSeconds} s from now; at most {(int)tolerance.TotalSeconds} s is accepted (stale or replayed).")
            : SignatureCheck.Ok;
    }
}
