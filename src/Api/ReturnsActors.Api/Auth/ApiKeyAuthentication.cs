using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReturnsActors.Api.Auth;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The platform-admin key from <c>Bootstrap:AdminApiKey</c>.</summary>
    public string? BootstrapAdminKey { get; set; }
}

/// <summary>Authenticates <c>X-Api-Key: key</c> or <c>Authorization: ApiKey key</c>. Keys are compared
/// as SHA-256 digests in constant time, so neither length nor prefix leaks through timing.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (Options.BootstrapAdminKey is { Length: > 0 } admin && KeysEqual(presented, admin))
        {
            var identity = new ClaimsIdentity(
                [
                    new Claim(ClaimTypes.NameIdentifier, "bootstrap-admin"),
                    new Claim(ClaimTypes.Role, Roles.PlatformAdmin),
                    new Claim(ClaimTypes.Role, Roles.Admin),
                ],
                SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }

        return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
    }

    private static string? ReadKey(HttpRequest request)
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
}

public static class Policies
{
    public const string PlatformAdmin = "platform-admin";
}
