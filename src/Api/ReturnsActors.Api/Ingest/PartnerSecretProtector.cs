using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace ReturnsActors.Api.Ingest;

/// <summary>Encrypts partner signing secrets before they reach grain state, with ASP.NET Core Data Protection (the silo decides where
/// the keys live: memory in Embedded, PostgreSQL in Cluster, so every silo can decrypt what another stored).</summary>
public sealed class PartnerSecretProtector(IDataProtectionProvider provider)
{
    private const string Prefix = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector("ReturnsActors.PartnerSecrets.v1");

    public string Protect(string secret) => Prefix + _protector.Protect(secret);

    /// <summary>The secret, or null when it cannot be decrypted (its key is gone). A value stored before encryption existed has no
    /// prefix and is used as it is until the secret is set again.</summary>
    public string? Unprotect(string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        try
        {
            return _protector.Unprotect(stored[Prefix.Length..]);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
