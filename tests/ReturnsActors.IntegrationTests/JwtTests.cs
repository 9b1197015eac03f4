using System.Net;
using System.Net.Http.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
public sealed class JwtTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task ValidToken_OfTheTenant_ReadsItsTenant_AndItsAdminCreatesKeys()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);

        using var read = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", bearer: EmbeddedApiSilo.MintJwt(tenant, ["viewer"]));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(tenant, (await read.Content.ReadFromJsonAsync<TenantBody>())!.TenantId);

        using var create = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys",
            bearer: EmbeddedApiSilo.MintJwt(tenant, ["admin", "finance"]), body: new { name = "issued by a person", roles = new[] { "finance" } });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
    }

    [Fact]
    public async Task ViewerToken_CannotCreateKeys()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);

        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys",
            bearer: EmbeddedApiSilo.MintJwt(tenant, ["viewer"]), body: new { name = "x", roles = new[] { "viewer" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TokenOfTenantA_ForTenantB_Is404()
    {
        var http = (await api.GetAsync()).Http;
        var tenantB = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenantB);

        using var response = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenantB}", bearer: EmbeddedApiSilo.MintJwt(ApiRequests.NewTenantId(), ["admin"]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    public static TheoryData<string, string> BadTokens(string tenant) => new()
    {
        { "wrong audience", EmbeddedApiSilo.MintJwt(tenant, ["admin"], audience: "someone-else") },
        { "expired", EmbeddedApiSilo.MintJwt(tenant, ["admin"], expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong signing key", EmbeddedApiSilo.MintJwt(tenant, ["admin"], signingKey: "another-signing-key-0123456789-abcdefghijklmnop") },
        { "wrong issuer", EmbeddedApiSilo.MintJwt(tenant, ["admin"], issuer: "https://evil.example") },
    };

    [Fact]
    public async Task BadTokens_AreRefusedWith401Problem()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);

        // The same claims in a good token pass, so each refusal below is down to the one thing that differs.
        using (var good = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", bearer: EmbeddedApiSilo.MintJwt(tenant, ["admin"])))
        {
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        }

        foreach (var (why, token) in BadTokens(tenant).Select(row => ((string)row[0], (string)row[1])))
        {
            using var response = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", bearer: token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }
    }

    private sealed record TenantBody(string TenantId);
}
