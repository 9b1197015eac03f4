using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>One Embedded silo process shared by the API tests of the silo-process collection, started on first use
/// (so tests that do not need it pay nothing). JWT is on; rate limits are high enough never to interfere.</summary>
public sealed class EmbeddedApiSilo : IAsyncLifetime
{
    public const string AdminKey = "ra_api_tests_admin_key_0123456789abcdef";
    public const string JwtIssuer = "https://id.test.returnsactors";
    public const string JwtAudience = "returnsactors-api";
    public const string JwtSigningKey = "api-tests-signing-key-0123456789-abcdefghijklmnop";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SiloProcess? _silo;

    public static Dictionary<string, string> Settings() => new()
    {
        ["Bootstrap:AdminApiKey"] = AdminKey,
        ["Jwt:Issuer"] = JwtIssuer,
        ["Jwt:Audience"] = JwtAudience,
        ["Jwt:SigningKey"] = JwtSigningKey,
        ["RateLimits:PermitsPerSecond"] = "10000",
        ["RateLimits:Burst"] = "10000",
        ["Http:MaxRequestBodyBytes"] = "65536",
        ["Ingest:MaxBatchEvents"] = "50",
    };

    internal async Task<SiloProcess> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_silo is null)
            {
                var silo = SiloProcess.Start(Settings());
                await silo.WaitReadyAsync();
                _silo = silo;
            }

            return _silo;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    /// <summary>A token as the identity provider would issue it, signed with <paramref name="signingKey"/>.</summary>
    public static string MintJwt(string? tenant, IEnumerable<string> roles, string audience = JwtAudience,
        DateTime? expires = null, string signingKey = JwtSigningKey, string issuer = JwtIssuer)
    {
        var claims = new List<Claim> { new("sub", "person-1") };
        if (tenant is not null)
        {
            claims.Add(new Claim("tenant", tenant));
        }

        claims.AddRange(roles.Select(r => new Claim("role", r)));
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}

/// <summary>Requests as a given caller.</summary>
internal static class ApiRequests
{
    public static string NewTenantId() => $"t-{Guid.NewGuid():N}"[..22];

    /// <summary>The secret part of a tenant key <c>ra_live_&lt;20 hex&gt;_&lt;secret&gt;</c> (the secret is base64url, so it may hold '_' too).</summary>
    public static string SecretOf(string tenantKey) => tenantKey[(ReturnsActors.Api.Auth.ApiKeyFormat.Prefix.Length + 21)..];

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient http, HttpMethod method, string path,
        string? apiKey = null, object? body = null, string? bearer = null, string? idempotencyKey = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        request.Content = content ?? (body is null ? null : JsonContent.Create(body));
        return await http.SendAsync(request);
    }

    /// <summary>Registers a tenant as the platform admin.</summary>
    public static async Task CreateTenantAsync(this HttpClient http, string adminKey, string tenantId)
    {
        using var response = await http.SendAsync(HttpMethod.Post, "/v1/tenants", adminKey, new { tenantId, displayName = $"Tenant {tenantId}" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Issues a key of <paramref name="tenantId"/> and returns the full key.</summary>
    public static async Task<(string KeyId, string Key)> CreateKeyAsync(this HttpClient http, string callerKey, string tenantId, params string[] roles)
    {
        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenantId}/api-keys", callerKey, new { name = "test key", roles });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<CreatedKey>();
        return (created!.KeyId, created.Key!);
    }

    internal sealed record CreatedKey(string KeyId, string TenantId, string Name, string[] Roles, string? Key);
}
