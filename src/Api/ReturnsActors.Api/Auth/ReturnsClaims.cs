using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace ReturnsActors.Api.Auth;

/// <summary>Claim types shared by API keys and JWTs, so authorization never asks which scheme was used.</summary>
public static class ReturnsClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tenant";
    public const string Role = "role";
    public const string KeyId = "key_id";

    /// <summary>An action (or scope group) a scoped key is limited to; a key without any may do what its roles allow.</summary>
    public const string Scope = "scope";

    /// <summary>The carrier a carrier-scoped key acts for: only returns whose label is with it.</summary>
    public const string Carrier = "carrier";
}

/// <summary>Reading the caller: its tenant, its roles, and whether it may see a tenant's data.</summary>
public static class CallerExtensions
{
    /// <summary>The caller's tenant, or null for a platform admin or an anonymous caller.</summary>
    public static string? GetTenantId(this ClaimsPrincipal user) => user.FindFirst(ReturnsClaims.Tenant)?.Value;

    /// <inheritdoc cref="GetTenantId(ClaimsPrincipal)"/>
    public static string? GetTenantId(this HttpContext context) => context.User.GetTenantId();

    public static bool IsPlatformAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.PlatformAdmin);

    /// <summary>True when the caller may see data of <paramref name="tenantId"/>: a platform admin, or a
    /// member of that tenant. Handlers answer 404 (not 403) when false, so another tenant's ids leak nothing.</summary>
    public static bool CanAccessTenant(this ClaimsPrincipal user, string? tenantId) =>
        user.IsPlatformAdmin() || (tenantId is not null && user.GetTenantId() == tenantId);

    /// <summary>Who is calling, for scoping per-caller state (idempotency keys, rate limits): the tenant when
    /// there is one, else the subject (a platform admin), else null.</summary>
    public static string? GetCallerScope(this ClaimsPrincipal user) =>
        user.GetTenantId() is { } tenant ? $"tenant:{tenant}"
        : user.FindFirst(ReturnsClaims.Subject)?.Value is { } subject ? $"caller:{subject}"
        : null;
}
