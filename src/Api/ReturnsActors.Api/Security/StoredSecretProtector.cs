using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace ReturnsActors.Api.Security;

/// <summary>Encrypts signing secrets before they are stored, with ASP.NET Core Data Protection under one purpose per kind of secret
/// (the silo decides where the keys live: memory in Embedded, PostgreSQL in Cluster, so every silo can decrypt what another stored).</summary>
public abstract class StoredSecretProtector(IDataProtectionProvider provider, string purpose)
{
    private const string Prefix = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector(purpose);

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

/// <summary>Inbound partners' HMAC secrets, in grain state.</summary>
public sealed class PartnerSecretProtector(IDataProtectionProvider provider) : StoredSecretProtector(provider, "ReturnsActors.PartnerSecrets.v1");

/// <summary>Outbound webhook subscriptions' <c>whsec_</c> secrets, in <c>webhook_subscriptions</c>.</summary>
public sealed class WebhookSecretProtector(IDataProtectionProvider provider) : StoredSecretProtector(provider, "ReturnsActors.WebhookSecrets.v1");

/// <summary>Suppliers' claims-endpoint <c>whsec_</c> secrets, in the supplier grain's state.</summary>
public sealed class SupplierSecretProtector(IDataProtectionProvider provider) : StoredSecretProtector(provider, "ReturnsActors.SupplierClaimSecrets.v1");
