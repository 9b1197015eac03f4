using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.Api.Audit;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.IntegrationTests;

/// <summary>The access audit on the Cluster profile: every request (refusals included) lands in PostgreSQL with who, what,
/// when and outcome, queryable per tenant, and is deleted after the tenant's retention.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class AccessAuditTests() : OwnClusterDatabase("ra_access_audit", "ra_access_audit_admin_key_0123456789abcdef")
{
    [Fact]
    public async Task EveryRequest_IsRecordedWithWhoWhatWhenAndOutcome_AndOnlyTheTenantsAdminReadsIt()
    {
        await using var silo = SiloProcess.Start(ClusterSettings());
        await silo.WaitReadyAsync();
        var http = silo.Http;
        var tenant = ApiRequests.NewTenantId();
        var other = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(AdminKey, tenant);
        await http.CreateTenantAsync(AdminKey, other);
        var (_, admin) = await http.CreateKeyAsync(AdminKey, tenant, "admin");
        var (viewerId, viewer) = await http.CreateKeyAsync(AdminKey, tenant, "viewer");
        var (_, otherAdmin) = await http.CreateKeyAsync(AdminKey, other, "admin");

        using (var list = await http.SendAsync(HttpMethod.Get, "/v1/rmas", viewer))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        using (var approve = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-1/approve", viewer, new { }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        }

        using (var audit = await http.SendAsync(HttpMethod.Get, "/v1/audit/access", viewer))
        {
            Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        }

        var records = await WaitForAsync(http, admin, $"/v1/audit/access?keyId={viewerId}", items => items.Count >= 3);
        var denied = Assert.Single(records, r => r.GetProperty("action").GetString() == "Rma_approve");
        Assert.Equal(403, denied.GetProperty("status").GetInt32());
        Assert.Equal("denied", denied.GetProperty("outcome").GetString());
        Assert.Equal("POST", denied.GetProperty("method").GetString());
        Assert.Equal("/v1/rmas/{rmaId}/approve", denied.GetProperty("route").GetString());
        Assert.Equal("/v1/rmas/RMA-1/approve", denied.GetProperty("path").GetString());
        Assert.Equal($"apikey:{viewerId}", denied.GetProperty("subject").GetString());
        Assert.Equal(tenant, denied.GetProperty("tenantId").GetString());
        var listed = Assert.Single(records, r => r.GetProperty("action").GetString() == "ListRmas");
        Assert.Equal("ok", listed.GetProperty("outcome").GetString());

        var onlyDenied = await WaitForAsync(http, admin, $"/v1/audit/access?keyId={viewerId}&outcome=denied", items => items.Count >= 2);
        Assert.All(onlyDenied, r => Assert.Equal("denied", r.GetProperty("outcome").GetString()));

        // Another tenant's admin sees none of it.
        var theirs = (await IngestTests.GetJsonAsync(http, otherAdmin, "/v1/audit/access")).GetProperty("items").EnumerateArray().ToList();
        Assert.DoesNotContain(theirs, r => r.GetProperty("keyId").GetString() == viewerId);

        // The rows are in PostgreSQL, not only in the silo's memory.
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM access_audit WHERE tenant_id = @t AND key_id = @k AND status = 403", connection);
        count.Parameters.AddWithValue("t", tenant);
        count.Parameters.AddWithValue("k", viewerId);
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 2);

        using var bad = await http.SendAsync(HttpMethod.Get, "/v1/audit/access?outcome=maybe", admin);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
    }

    [Fact]
    public async Task Pruning_DeletesRecordsPastEachTenantsRetention_AndKeepsTheRest()
    {
        await using (var silo = SiloProcess.Start(ClusterSettings()))
        {
            // The silo applies the schema; its own writes do not matter here.
            await silo.WaitReadyAsync();
            var (_, admin) = await TenantAdminAsync(silo.Http, "t-short");
            using var set = await silo.Http.SendAsync(HttpMethod.Put, "/v1/audit/settings", admin, new { accessRetentionDays = 30 });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            using var bad = await silo.Http.SendAsync(HttpMethod.Put, "/v1/audit/settings", admin, new { accessRetentionDays = 0 });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Equal(30, (await IngestTests.GetJsonAsync(silo.Http, admin, "/v1/audit/settings")).GetProperty("accessRetentionDays").GetInt32());
        }

        await using var dataSource = NpgsqlDataSource.Create(Database);
        var store = new PostgresAccessAuditStore(dataSource);
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(
        [
            Row("t-short", now.AddDays(-40), "old-short"),
            Row("t-short", now.AddDays(-1), "new-short"),
            Row("t-default", now.AddDays(-40), "old-default"),
            Row("t-default", now.AddDays(-400), "ancient-default"),
        ], CancellationToken.None);

        var deleted = await store.PruneAsync(now, defaultDays: 365, CancellationToken.None);

        Assert.Equal(2, deleted);
        var shortLeft = await store.QueryAsync(new AccessQuery("t-short", Subject: null), CancellationToken.None);
        Assert.Contains(shortLeft, r => r.Subject == "new-short");
        Assert.DoesNotContain(shortLeft, r => r.Subject == "old-short");
        var defaultLeft = await store.QueryAsync(new AccessQuery("t-default"), CancellationToken.None);
        Assert.Equal(["old-default"], defaultLeft.Select(r => r.Subject));
    }

    private static AccessRecord Row(string tenant, DateTimeOffset at, string subject) =>
        new(0, tenant, at, subject, null, "GET", "/v1/rmas", "/v1/rmas", "ListRmas", 200, "ok", 1, "127.0.0.1");

    private async Task<(string KeyId, string Key)> TenantAdminAsync(HttpClient http, string tenant)
    {
        await http.CreateTenantAsync(AdminKey, tenant);
        return await http.CreateKeyAsync(AdminKey, tenant, "admin");
    }

    /// <summary>Records are written a moment after the answer; waits until <paramref name="done"/> holds.</summary>
    private static async Task<List<JsonElement>> WaitForAsync(HttpClient http, string key, string path, Func<List<JsonElement>, bool> done)
    {
        var items = new List<JsonElement>();
        for (var i = 0; i < 100 && !done(items); i++)
        {
            await Task.Delay(100);
            items = [.. (await IngestTests.GetJsonAsync(http, key, path)).GetProperty("items").EnumerateArray()];
        }

        Assert.True(done(items), $"{path}: {items.Count} records");
        return items;
    }
}
