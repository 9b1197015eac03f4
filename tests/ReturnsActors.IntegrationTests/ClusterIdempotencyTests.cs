using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.IntegrationTests;

/// <summary>Idempotency keys and API keys in the Cluster profile, where PostgreSQL makes them outlive a silo.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterIdempotencyTests : IAsyncLifetime
{
    private const string AdminKey = "ra_cluster_idempotency_admin_key_0123456789";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_idempotency");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task IdempotencyKeys_AndApiKeys_SurviveASiloRestart()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"idem-{Guid.NewGuid():N}", AdminKey);
        var tenant = ApiRequests.NewTenantId();
        var tenantBody = Json(new { tenantId = tenant, displayName = "Durable Co" });
        var tenantKey = Guid.NewGuid().ToString();
        var apiKeyKey = Guid.NewGuid().ToString();
        string firstTenantResponse;
        ApiRequests.CreatedKey issued;

        await using (var before = SiloProcess.Start(settings))
        {
            await before.WaitReadyAsync();
            using var created = await before.Http.SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey, content: tenantBody(), idempotencyKey: tenantKey);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            firstTenantResponse = await created.Content.ReadAsStringAsync();

            using var key = await before.Http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", AdminKey,
                new { name = "durable", roles = new[] { "admin" } }, idempotencyKey: apiKeyKey);
            Assert.Equal(HttpStatusCode.Created, key.StatusCode);
            issued = (await key.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!;

            before.Terminate();
            Assert.True(await before.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        await using var after = SiloProcess.Start(settings);
        await after.WaitReadyAsync();

        using (var replay = await after.Http.SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey, content: tenantBody(), idempotencyKey: tenantKey))
        {
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal("true", Assert.Single(replay.Headers.GetValues(IdempotencyMiddleware.ReplayedHeader)));
            Assert.Equal($"/v1/tenants/{tenant}", replay.Headers.Location?.OriginalString);
            Assert.Equal(firstTenantResponse, await replay.Content.ReadAsStringAsync());
        }

        using (var reused = await after.Http.SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey,
            new { tenantId = ApiRequests.NewTenantId(), displayName = "Other" }, idempotencyKey: tenantKey))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        }

        // The key issued before the restart still authenticates; its replay shows its id, not its secret, and adds no key.
        using (var read = await after.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/api-keys", issued.Key))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Single((await read.Content.ReadFromJsonAsync<JsonElement[]>())!);
        }

        using var keyReplay = await after.Http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", AdminKey,
            new { name = "durable", roles = new[] { "admin" } }, idempotencyKey: apiKeyKey);
        Assert.Equal(HttpStatusCode.Created, keyReplay.StatusCode);
        var replayed = (await keyReplay.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!;
        Assert.Equal(issued.KeyId, replayed.KeyId);
        Assert.Null(replayed.Key);
        Assert.Equal(0, await TestEnvironment.CountAsync(_database, $"SELECT count(*) FROM idempotency_keys WHERE position('{issued.Key!.Split('_', 4)[3]}' in convert_from(body, 'UTF8')) > 0"));
    }

    [Fact]
    public async Task ARequestStillInFlight_OnAnySilo_Answers409_AndAnotherBody422()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"idem-{Guid.NewGuid():N}", AdminKey);
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();
        var body = JsonSerializer.Serialize(new { tenantId = ApiRequests.NewTenantId(), displayName = "In flight" });
        var key = Guid.NewGuid().ToString();

        // What another silo writes when it starts the same request and has not answered yet.
        var fingerprint = IdempotencyMiddleware.Fingerprint("POST", "/v1/tenants", SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        await TestEnvironment.ExecuteAsync(_database, """
            INSERT INTO idempotency_keys (scope, idempotency_key, fingerprint, locked_at, expires_at)
            VALUES ('caller:bootstrap-admin', @key, @fingerprint, now(), now() + interval '1 hour')
            """, ("key", key), ("fingerprint", fingerprint));

        using var same = await silo.Http.SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey,
            content: new StringContent(body, Encoding.UTF8, "application/json"), idempotencyKey: key);
        using var other = await silo.Http.SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey,
            content: new StringContent(body.Replace("In flight", "Changed"), Encoding.UTF8, "application/json"), idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Conflict, same.StatusCode);
        Assert.Equal("application/problem+json", same.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
    }

    [Fact]
    public async Task KeyRevokedThroughOneSilo_IsRefusedByAnotherSilo_OnceItsCacheEntryExpires()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"revoke-{Guid.NewGuid():N}", AdminKey);
        settings["ApiKeys:CacheSeconds"] = "2";
        await using var siloA = SiloProcess.Start(settings);
        await siloA.WaitReadyAsync();
        await using var siloB = SiloProcess.Start(settings);
        await siloB.WaitReadyAsync();
        var tenant = ApiRequests.NewTenantId();
        await siloA.Http.CreateTenantAsync(AdminKey, tenant);
        var (keyId, key) = await siloA.Http.CreateKeyAsync(AdminKey, tenant, "viewer");
        using (var cached = await siloB.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode); // B has now loaded (and cached) the key
        }

        using (var revoke = await siloA.Http.SendAsync(HttpMethod.Delete, $"/v1/tenants/{tenant}/api-keys/{keyId}", AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        // Liveness, not speed: B must stop accepting the key; the generous deadline only keeps a broken build from hanging.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode status;
        do
        {
            using var response = await siloB.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key);
            status = response.StatusCode;
            if (status != HttpStatusCode.Unauthorized)
            {
                await Task.Delay(250);
            }
        }
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task PostgresStore_PurgesExpiredKeys_AndTakesOverAClaimWhoseRequestDied()
    {
        await using var dataSource = NpgsqlDataSource.Create(_database);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        var store = new PostgresIdempotencyStore(dataSource);
        var response = new StoredResponse(201, "application/json", "/v1/x", "{}"u8.ToArray());

        Assert.Equal(IdempotencyClaimState.Claimed, (await store.TryBeginAsync("s", "expired", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default)).State);
        await store.CompleteAsync("s", "expired", response, default);
        Assert.Equal(IdempotencyClaimState.Claimed, (await store.TryBeginAsync("s", "live", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default)).State);
        await store.CompleteAsync("s", "live", response, default);
        await TestEnvironment.ExecuteAsync(_database, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE idempotency_key = 'expired'");

        Assert.Equal(1, await store.PurgeExpiredAsync(default));
        var live = await store.TryBeginAsync("s", "live", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default);
        Assert.Equal(IdempotencyClaimState.Completed, live.State);
        Assert.Equal(response.Body, live.Response!.Body);
        Assert.Equal("/v1/x", live.Response.Location);

        // A claim with no response for longer than the lock timeout belonged to a request that died.
        Assert.Equal(IdempotencyClaimState.Claimed, (await store.TryBeginAsync("s", "orphan", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default)).State);
        Assert.Equal(IdempotencyClaimState.InFlight, (await store.TryBeginAsync("s", "orphan", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default)).State);
        await TestEnvironment.ExecuteAsync(_database, "UPDATE idempotency_keys SET locked_at = now() - interval '3 minutes' WHERE idempotency_key = 'orphan'");
        Assert.Equal(IdempotencyClaimState.Claimed, (await store.TryBeginAsync("s", "orphan", "f", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(2), default)).State);
    }

    private static Func<HttpContent> Json(object body)
    {
        var text = JsonSerializer.Serialize(body);
        return () => new StringContent(text, Encoding.UTF8, "application/json");
    }
}
