using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
public sealed class ApiKeyTests(EmbeddedApiSilo api)
{
    private const string Admin = EmbeddedApiSilo.AdminKey;

    [Fact]
    public async Task TenantKey_Works_IsListedWithoutSecret_AndAfterRevocationIsRefused()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);

        using var create = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin,
            new { name = "WMS integration", roles = new[] { "warehouse", "viewer" } });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var created = (await create.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!;
        Assert.Matches($"^ra_live_{created.KeyId}_[A-Za-z0-9_-]{{43,}}$", created.Key!);
        Assert.Equal($"/v1/tenants/{tenant}/api-keys/{created.KeyId}", create.Headers.Location?.OriginalString);

        using (var read = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", created.Key))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var (_, tenantAdminKey) = await http.CreateKeyAsync(Admin, tenant, "admin");
        using (var list = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/api-keys", tenantAdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            var text = await list.Content.ReadAsStringAsync();
            var secret = created.Key!.Split('_', 4)[3];
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain("hash", text, StringComparison.OrdinalIgnoreCase);
            var keys = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();
            var listed = Assert.Single(keys, k => k.GetProperty("keyId").GetString() == created.KeyId);
            Assert.Equal("WMS integration", listed.GetProperty("name").GetString());
            Assert.False(listed.TryGetProperty("key", out _));
        }

        // The tenant's own admin revokes it; the same silo forgets the cached key at once.
        using (var revoke = await http.SendAsync(HttpMethod.Delete, $"/v1/tenants/{tenant}/api-keys/{created.KeyId}", tenantAdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            var revoked = await revoke.Content.ReadFromJsonAsync<JsonElement>();
            Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revokedAt").ValueKind);
        }

        using var after = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", created.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Key_WithTheRightIdButAWrongSecret_IsRefused()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (keyId, key) = await http.CreateKeyAsync(Admin, tenant, "viewer");

        var forged = $"ra_live_{keyId}_{new string('A', key.Length - $"ra_live_{keyId}_".Length)}";
        using var response = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Viewer_CannotCreateKeys_AndGets403Problem()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (_, viewer) = await http.CreateKeyAsync(Admin, tenant, "viewer", "customer_service");

        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", viewer, new { name = "escalate", roles = new[] { "admin" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var list = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/api-keys", Admin);
        Assert.Single(await list.Content.ReadFromJsonAsync<JsonElement[]>() ?? []);
    }

    [Fact]
    public async Task TenantCaller_CannotRegisterTenants()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (_, tenantAdmin) = await http.CreateKeyAsync(Admin, tenant, "admin");

        using var response = await http.SendAsync(HttpMethod.Post, "/v1/tenants", tenantAdmin, new { tenantId = ApiRequests.NewTenantId(), displayName = "x" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/api-keys")]
    [InlineData("POST", "/api-keys")]
    [InlineData("DELETE", "/api-keys/0123456789abcdef0123")]
    public async Task AdminOfTenantA_AskingForTenantB_Gets404WithNoData(string method, string suffix)
    {
        var http = (await api.GetAsync()).Http;
        var tenantA = ApiRequests.NewTenantId();
        var tenantB = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenantA);
        await http.CreateTenantAsync(Admin, tenantB);
        var (_, adminOfA) = await http.CreateKeyAsync(Admin, tenantA, "admin");
        var (keyOfB, _) = await http.CreateKeyAsync(Admin, tenantB, "viewer");
        var path = $"/v1/tenants/{tenantB}{suffix.Replace("0123456789abcdef0123", keyOfB)}";

        using var response = await http.SendAsync(new HttpMethod(method), path, adminOfA,
            method == "POST" ? new { name = "intruder", roles = new[] { "admin" } } : null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(tenantB, body);
        Assert.DoesNotContain(keyOfB, body);
        // And nothing happened to B: its one key is still active, no key was added.
        using var list = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenantB}/api-keys", Admin);
        var keys = await list.Content.ReadFromJsonAsync<JsonElement[]>();
        var only = Assert.Single(keys!);
        Assert.Equal(JsonValueKind.Null, only.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task ViewerOfTenantA_AskingToCreateKeysOfTenantB_Gets404_Not403()
    {
        var http = (await api.GetAsync()).Http;
        var tenantA = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenantA);
        var (_, viewerOfA) = await http.CreateKeyAsync(Admin, tenantA, "viewer");

        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{ApiRequests.NewTenantId()}/api-keys", viewerOfA,
            new { name = "x", roles = new[] { "viewer" } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("", "viewer")]
    [InlineData("name", "superuser")]
    [InlineData("name", "platform_admin")]
    public async Task CreateKey_WithABadNameOrRole_Is422(string name, string role)
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);

        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, new { name, roles = new[] { role } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CreateKey_ForAnUnknownTenant_AsPlatformAdmin_Is404()
    {
        var http = (await api.GetAsync()).Http;

        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{ApiRequests.NewTenantId()}/api-keys", Admin,
            new { name = "x", roles = new[] { "viewer" } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
