using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReturnsActors.Grains.ApiKeys;

namespace ReturnsActors.Api.Auth;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The platform-admin key from <c>Bootstrap:AdminApiKey</c>.</summary>
    public string? BootstrapAdminKey { get; set; }
}

/// <summary>Authenticates <c>X-Api-Key: key</c> or <c>Authorization: ApiKey key</c>: the bootstrap platform-admin
/// key, or a tenant key <c>ra_live_&lt;keyId&gt;_&lt;secret&gt;</c> whose SHA-256 is compared in constant time.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (ApiKeyFormat.TryParse(presented, out var keyId, out var secret))
        {
            var cache = Context.RequestServices.GetRequiredService<ApiKeyCache>();
            var now = Context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var credential = await cache.GetAsync(keyId);
            if (credential is not null && !Matches(credential, secret, now))
            {
                // A key rotated on another silo is not in this silo's cache yet: look once more, past the cache.
                credential = await cache.ReloadAsync(keyId);
            }

            if (credential is null || !Matches(credential, secret, now) || credential.Revoked)
            {
                return AuthenticateResult.Fail("The API key is not valid.");
            }

            if (credential.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                return AuthenticateResult.Fail($"The API key expired at {expiresAt:O}.");
            }

            cache.RecordUse(keyId, now);
            List<Claim> claims =
            [
                new(ReturnsClaims.Subject, $"apikey:{keyId}"),
                new(ReturnsClaims.KeyId, keyId),
                new(ReturnsClaims.Tenant, credential.TenantId),
            ];
            claims.AddRange(credential.Roles.Where(r => r != Roles.PlatformAdmin).Select(r => new Claim(ReturnsClaims.Role, r)));
            claims.AddRange((credential.Scopes ?? []).Select(scope => new Claim(ReturnsClaims.Scope, scope)));
            if (credential.Carrier is { } carrier)
            {
                claims.Add(new Claim(ReturnsClaims.Carrier, carrier));
            }

            return Success(claims);
        }

        if (Options.BootstrapAdminKey is { Length: > 0 } admin && KeysEqual(presented, admin))
        {
            return Success(
            [
                new(ReturnsClaims.Subject, "bootstrap-admin"),
                new(ReturnsClaims.Role, Roles.PlatformAdmin),
                new(ReturnsClaims.Role, Roles.Admin),
            ]);
        }

        return AuthenticateResult.Fail("The API key is not valid.");
    }

    /// <summary>The current secret, or the previous one within its overlap after a rotation.</summary>
    private static bool Matches(ApiKeyCredential credential, string secret, DateTimeOffset now) =>
        ApiKeyFormat.SecretMatches(secret, credential.SecretHash)
        || (credential.PreviousSecretHash is { } previous && credential.PreviousValidUntil > now && ApiKeyFormat.SecretMatches(secret, previous));

    private AuthenticateResult Success(IEnumerable<Claim> claims)
    {
        var identity = new ClaimsIdentity(claims, SchemeName, ReturnsClaims.Subject, ReturnsClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    internal static string? ReadKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header))
        {
            return header.ToString().Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    internal static bool KeysEqual(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>The roles of DESIGN §8; a platform admin manages tenants across the cluster.</summary>
public static class Roles
{
    public const string PlatformAdmin = "platform_admin";
    public const string Admin = "admin";
    public const string CustomerService = "customer_service";
    public const string Warehouse = "warehouse";
    public const string Finance = "finance";
    public const string Partner = "partner";
    public const string Viewer = "viewer";

    /// <summary>The roles a tenant key or a person's token may carry.</summary>
    public static IReadOnlySet<string> TenantRoles { get; } =
        new HashSet<string>([Admin, CustomerService, Warehouse, Finance, Partner, Viewer], StringComparer.Ordinal);
}
