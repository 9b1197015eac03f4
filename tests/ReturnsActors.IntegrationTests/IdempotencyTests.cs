using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Idempotency-Key in the Embedded profile (in-memory store); <see cref="ClusterIdempotencyTests"/> covers PostgreSQL.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class IdempotencyTests(EmbeddedApiSilo api)
{
    private const string Admin = EmbeddedApiSilo.AdminKey;

    [Fact]
    public async Task Repeat_WithTheSameBody_ReplaysTheFirstResponse_AndHasNoSecondEffect()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var body = new { name = "created once", roles = new[] { "viewer" } };
        var key = Guid.NewGuid().ToString();

        using var first = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, body, idempotencyKey: key);
        using var second = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, body, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        var original = await first.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>();
        var replayed = await second.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>();
        Assert.Equal(original!.KeyId, replayed!.KeyId);
        Assert.NotNull(original.Key);
        Assert.Null(replayed.Key); // the secret is shown once and never stored, not even for replays
        using var list = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/api-keys", Admin);
        Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement[]>())!);
    }

    [Fact]
    public async Task Repeat_OfATenantRegistration_ReplaysThe201_WhereRunningItAgainWouldAnswer200()
    {
        var http = (await api.GetAsync()).Http;
        var body = new { tenantId = ApiRequests.NewTenantId(), displayName = "Replayed Co" };
        var key = Guid.NewGuid().ToString();

        using var first = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, body, idempotencyKey: key);
        using var replay = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, body, idempotencyKey: key);
        using var rerun = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, rerun.StatusCode);
    }

    [Fact]
    public async Task SameKey_WithAnotherBody_Is422Problem_AndDoesNothing()
    {
        var http = (await api.GetAsync()).Http;
        var key = Guid.NewGuid().ToString();
        var otherTenant = ApiRequests.NewTenantId();

        using var first = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, new { tenantId = ApiRequests.NewTenantId(), displayName = "One" }, idempotencyKey: key);
        using var second = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, new { tenantId = otherTenant, displayName = "Two" }, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        using var notCreated = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{otherTenant}", Admin);
        Assert.Equal(HttpStatusCode.NotFound, notCreated.StatusCode);
    }

    [Fact]
    public async Task SameKey_FromAnotherTenant_IsAnotherKey()
    {
        var http = (await api.GetAsync()).Http;
        var tenantA = ApiRequests.NewTenantId();
        var tenantB = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenantA);
        await http.CreateTenantAsync(Admin, tenantB);
        var (_, adminA) = await http.CreateKeyAsync(Admin, tenantA, "admin");
        var (_, adminB) = await http.CreateKeyAsync(Admin, tenantB, "admin");
        var key = Guid.NewGuid().ToString();

        using var a = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenantA}/api-keys", adminA, new { name = "a", roles = new[] { "viewer" } }, idempotencyKey: key);
        using var b = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenantB}/api-keys", adminB, new { name = "b", roles = new[] { "viewer" } }, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.False(b.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task ConcurrentRepeats_RunOnce_AndEveryOtherAnswerIsAReplayOrA409()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, new { name = "raced", roles = new[] { "viewer" } }, idempotencyKey: key)));

        try
        {
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.StatusCode.ToString()));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created && !r.Headers.Contains("Idempotent-Replayed"));
            foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            {
                Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
            }

            using var list = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}/api-keys", Admin);
            Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement[]>())!);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A422Answer_IsStored_SoTheSameMistakeReplaysIt()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var key = Guid.NewGuid().ToString();
        var body = new { name = "", roles = new[] { "viewer" } };

        using var first = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, body, idempotencyKey: key);
        using var second = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, body, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ACreateWithoutRmaId_RetriedWithItsKey_ReachesTheSameReturn_AndIsAnsweredAsTheFirstTime()
    {
        using var http = (await api.GetAsync()).TenantClient(ApiRequests.NewTenantId(), Admin);
        await ReturnScenario.LoadOrderAsync(http);
        var body = new { orderId = "O-1", lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "SIZE", reasonClass = "Convenience" } } };
        var key = Guid.NewGuid().ToString();

        using var first = await Send(http, "/v1/rmas", body, key);
        using var second = await Send(http, "/v1/rmas", body, key);
        using var other = await Send(http, "/v1/rmas", body, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.True(second.IsSuccessStatusCode, await second.Content.ReadAsStringAsync());
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        var rmaId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rmaId").GetString();
        Assert.Equal(rmaId, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rmaId").GetString());
        Assert.NotEqual(rmaId, (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rmaId").GetString());
        var events = (await http.GetFromJsonAsync<JsonElement>($"/v1/rmas/{rmaId}/events")).GetProperty("events");
        Assert.Equal(1, events.EnumerateArray().Count(e => e.GetProperty("type").GetString() == "return.requested"));
    }

    [Fact]
    public async Task AReturnCommand_RepeatedWithItsKey_HasOneEffect_AndTheKeyWithAnotherBodyIs422()
    {
        using var http = (await api.GetAsync()).TenantClient(ApiRequests.NewTenantId(), Admin);
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");
        var key = Guid.NewGuid().ToString();

        var repeats = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Send(http, "/v1/rmas/R-1/notes", new { text = "once" }, key)));
        using var reused = await Send(http, "/v1/rmas/R-1/notes", new { text = "another text" }, key);
        using var elsewhere = await Send(http, "/v1/rmas/R-1/label", new { carrier = "UPS", trackingNumber = "1Z1" }, key);

        try
        {
            // One return serialises its commands: the first runs, every repeat is answered as it was.
            Assert.All(repeats, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Single(repeats, r => !r.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
            Assert.Equal("idempotency_key.reused", (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, elsewhere.StatusCode);
            var events = (await http.GetFromJsonAsync<JsonElement>("/v1/rmas/R-1/events")).GetProperty("events");
            Assert.Equal(1, events.EnumerateArray().Count(e => e.GetProperty("type").GetString() == "note.added"));
            Assert.Equal(0, events.EnumerateArray().Count(e => e.GetProperty("type").GetString() == "label.created"));
        }
        finally
        {
            foreach (var response in repeats)
            {
                response.Dispose();
            }
        }
    }

    private static async Task<HttpResponseMessage> Send<T>(HttpClient http, string path, T body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task AnIdempotencyKeyOver255Characters_Is400Problem()
    {
        var http = (await api.GetAsync()).Http;

        using var response = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, new { tenantId = ApiRequests.NewTenantId(), displayName = "x" },
            idempotencyKey: new string('k', 256));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
