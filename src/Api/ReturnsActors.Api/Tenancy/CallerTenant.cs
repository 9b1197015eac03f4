using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Problems;
using ReturnsActors.Grains;

namespace ReturnsActors.Api.Tenancy;

/// <summary>Which tenant a request acts for: the tenant of its credential, or for a platform admin the
/// <c>X-Tenant-Id</c> header. Resources of other tenants are never reachable: their ids are looked up
/// only under the caller's tenant, so they answer 404 like ids that do not exist.</summary>
public static partial class CallerTenant
{
    public const string ClaimType = ReturnsClaims.Tenant;
    public const string HeaderName = "X-Tenant-Id";

    public static string? Resolve(HttpContext context)
    {
        var user = context.User;
        if (user.FindFirstValue(ClaimType) is { Length: > 0 } tenant)
        {
            return tenant;
        }

        return user.IsInRole(Roles.PlatformAdmin)
            && context.Request.Headers.TryGetValue(HeaderName, out var header)
            && IsValidId(header.ToString())
            ? header.ToString()
            : null;
    }

    /// <summary>The actor recorded in the audit trail.</summary>
    public static string Actor(HttpContext context) =>
        context.User.FindFirstValue(ReturnsClaims.Subject) ?? context.User.Identity?.Name ?? "unknown";

    public static bool IsValidId(string value) => TenantId().IsMatch(value);

    /// <summary>The answer when a request acts for no tenant (a platform-admin key without <c>X-Tenant-Id</c>).</summary>
    public static ProblemHttpResult Missing() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No tenant.",
            detail: $"The credential has no tenant; a platform admin names one with the {HeaderName} header.");

    /// <summary>Registers (or updates) a tenant-scoped resource <paramref name="id"/>: 201 when it was created, 200 when it
    /// existed, a problem when the grain refused; an invalid id is a 422 naming <paramref name="idField"/>.</summary>
    public static async Task<Results<Created<T>, Ok<T>, ProblemHttpResult>> RegisterAsync<T>(
        HttpContext http, string id, string idField, string location,
        Func<string, Task<(T? View, Rejection? Rejection, bool Created)>> register) where T : class
    {
        if (Resolve(http) is not { } tenant)
        {
            return Missing();
        }

        if (!IsValidId(id))
        {
            return RejectionResults.Invalid(idField, "2 to 63 lower-case letters, digits or '-'.");
        }

        var (view, rejection, created) = await register($"{tenant}/{id}");
        if (rejection is not null)
        {
            return rejection.ToProblem();
        }

        return created ? TypedResults.Created(location, view!) : TypedResults.Ok(view!);
    }

    /// <summary>Reads a tenant-scoped resource: an id of another tenant, an invalid id and a missing one are all 404.</summary>
    public static async Task<Results<Ok<T>, NotFound, ProblemHttpResult>> ReadAsync<T>(HttpContext http, string id, Func<string, Task<T?>> read)
        where T : class
    {
        if (Resolve(http) is not { } tenant)
        {
            return Missing();
        }

        var view = IsValidId(id) ? await read($"{tenant}/{id}") : null;
        return view is null ? TypedResults.NotFound() : TypedResults.Ok(view);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex TenantId();
}
