using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary><c>POST /v1/events</c>, the dead-letter store and partner webhooks over real HTTP on the shared Embedded silo.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class IngestTests(EmbeddedApiSilo fixture)
{
    private const string Ce = "com.returnsactors.";
    private string _lastTenant = "";

    [Fact]
    public async Task BulkNdJson_WithDuplicatesAndDeliveredBeforeInTransit_DrivesReturns_AndNothingIsDoubled()
    {
        var (http, key) = await TenantAsync();
        await OrderAsync(http, key, "ORD-1");
        await OrderAsync(http, key, "ORD-2");
        var events = new List<object>();
        foreach (var (rma, order) in new[] { ("RMA-A", "ORD-1"), ("RMA-B", "ORD-2") })
        {
            events.Add(Event($"{rma}-req", "rma.requested", rma, Requested(order)));
            events.Add(Event($"{rma}-label", "carrier.label_created", rma, new { carrier = "UPS", trackingNumber = $"1Z{rma}" }));
            events.Add(Event($"{rma}-del", "carrier.delivered", rma, new { occurredAt = DateTimeOffset.UtcNow.AddHours(-1) }));
            events.Add(Event($"{rma}-transit", "carrier.in_transit", rma, new { occurredAt = DateTimeOffset.UtcNow.AddHours(-5) }));
            events.Add(Event($"{rma}-del", "carrier.delivered", rma, null));
            events.Add(Event($"{rma}-rcv", "warehouse.received", rma, new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true, warehouse = "WH-1" }));
        }

        var first = await IngestNdJsonAsync(http, key, events);
        Assert.Equal(12, first.GetProperty("received").GetInt32());
        Assert.Equal(10, first.GetProperty("applied").GetInt32());
        Assert.Equal(2, first.GetProperty("duplicates").GetInt32());
        var statuses = first.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
        Assert.Equal(["applied", "applied", "applied", "applied", "duplicate", "applied"], statuses.Take(6));

        foreach (var rma in new[] { "RMA-A", "RMA-B" })
        {
            var view = await GetJsonAsync(http, key, $"/v1/rmas/{rma}");
            Assert.Equal("Received", view.GetProperty("status").GetString());
        }

        var trailBefore = await TrailAsync(http, key, "RMA-A");
        Assert.Single(trailBefore, t => t == "shipment.delivered");
        Assert.Single(trailBefore, t => t == "receipt.recorded");

        // The whole batch again, this time as a JSON array: every event is a duplicate and the audit trail does not grow.
        using var again = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent(JsonSerializer.Serialize(events), Encoding.UTF8, "application/cloudevents-batch+json"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(12, second.GetProperty("duplicates").GetInt32());
        Assert.Equal(trailBefore, await TrailAsync(http, key, "RMA-A"));
    }

    [Fact]
    public async Task MalformedEvents_AreDeadLetteredWithReasons_AndTheRestApplied()
    {
        var (http, key) = await TenantAsync();
        await OrderAsync(http, key, "ORD-9");
        var lines = new[]
        {
            JsonSerializer.Serialize(Event("ok-1", "rma.requested", "RMA-9", Requested("ORD-9"))),
            "{ this is not json",
            JsonSerializer.Serialize(new { specversion = "1.0", id = "no-type", source = "/wms" }),
            JsonSerializer.Serialize(Event("unknown-type", "rma.teleported", "RMA-9", null)),
            JsonSerializer.Serialize(Event("ghost-1", "carrier.delivered", "RMA-GHOST", null)),
            JsonSerializer.Serialize(Event("bad-data", "warehouse.received", "RMA-9", new { lines = "none" })),
            JsonSerializer.Serialize(Event("ok-2", "carrier.label_created", "RMA-9", new { carrier = "DHL", trackingNumber = "JD1" })),
        };
        using var response = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent(string.Join("\n", lines), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["applied", "dead_lettered", "dead_lettered", "dead_lettered", "dead_lettered", "dead_lettered", "applied"],
            results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["event.parse", "event.parse", "event.type", "rma.not_found", "event.data"],
            results.Skip(1).Take(5).Select(r => r.GetProperty("problem").GetProperty("code").GetString()));
        Assert.Equal("AwaitingShipment", (await GetJsonAsync(http, key, "/v1/rmas/RMA-9")).GetProperty("status").GetString());

        var listed = (await GetJsonAsync(http, key, "/v1/dead-letters?status=pending")).EnumerateArray().ToList();
        Assert.Equal(5, listed.Count);
        var garbage = await GetJsonAsync(http, key, $"/v1/dead-letters/{results[1].GetProperty("deadLetterId").GetString()}");
        Assert.Equal("{ this is not json", garbage.GetProperty("body").GetString());
        Assert.Equal("bulk", garbage.GetProperty("source").GetString());
        Assert.Contains("CloudEvents", garbage.GetProperty("reason").GetString());

        // Another tenant sees none of them.
        var (_, otherKey) = await TenantAsync();
        Assert.Empty((await GetJsonAsync(http, otherKey, "/v1/dead-letters")).EnumerateArray());
        using var foreign = await http.SendAsync(HttpMethod.Get, $"/v1/dead-letters/{results[1].GetProperty("deadLetterId").GetString()}", otherKey);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task DeadLetter_ReplayedAfterTheReturnExists_IsAppliedOnce_AndMarkedReplayed()
    {
        var (http, key) = await TenantAsync();
        await OrderAsync(http, key, "ORD-5");
        var early = await IngestNdJsonAsync(http, key, [Event("early-label", "carrier.label_created", "RMA-5", new { carrier = "UPS", trackingNumber = "1Z5" })]);
        var deadLetterId = early.GetProperty("results")[0].GetProperty("deadLetterId").GetString();

        // Still missing: the replay says why and the letter stays pending.
        using (var failed = await http.SendAsync(HttpMethod.Post, $"/v1/dead-letters/{deadLetterId}/replay", key, new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
            Assert.Equal("rma.not_found", (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        await IngestNdJsonAsync(http, key, [Event("create-5", "rma.requested", "RMA-5", Requested("ORD-5"))]);
        using (var replay = await http.SendAsync(HttpMethod.Post, $"/v1/dead-letters/{deadLetterId}/replay", key, new { }))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            var body = await replay.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("applied", body.GetProperty("status").GetString());
            Assert.Equal("replayed", body.GetProperty("deadLetter").GetProperty("status").GetString());
            Assert.Equal(2, body.GetProperty("deadLetter").GetProperty("replayAttempts").GetInt32());
        }

        // A second replay is a no-op for the return: the event id is the command id.
        using (var twice = await http.SendAsync(HttpMethod.Post, $"/v1/dead-letters/{deadLetterId}/replay", key, new { }))
        {
            Assert.Equal("duplicate", (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        Assert.Equal("AwaitingShipment", (await GetJsonAsync(http, key, "/v1/rmas/RMA-5")).GetProperty("status").GetString());
        Assert.Single(await TrailAsync(http, key, "RMA-5"), t => t == "label.created");
    }

    [Fact]
    public async Task BatchOverTheLimit_IsA413Problem_AndNothingIsApplied()
    {
        var (http, key) = await TenantAsync();
        await OrderAsync(http, key, "ORD-7");
        var events = Enumerable.Range(0, 51).Select(i => Event($"big-{i}", "rma.requested", $"RMA-BIG-{i}", Requested("ORD-7"))).ToList();
        using var response = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent(JsonSerializer.Serialize(events), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("batch.too_large", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        using var none = await http.SendAsync(HttpMethod.Get, "/v1/rmas/RMA-BIG-0", key);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task ABodyThatIsNoBatch_IsA422Problem_KeptAsADeadLetter()
    {
        var (http, key) = await TenantAsync();
        using var response = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent("{\"not\": \"an array\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deadLetterId").GetString();
        Assert.Equal("{\"not\": \"an array\"}", (await GetJsonAsync(http, key, $"/v1/dead-letters/{id}")).GetProperty("body").GetString());
    }

    [Fact]
    public async Task GenericCarrierWebhook_VerifiesSignatureAndTimestamp_AppliesOnce_AndDeadLettersWhatItCannotMap()
    {
        var (http, key) = await TenantAsync();
        await OrderAsync(http, key, "ORD-C");
        await IngestNdJsonAsync(http, key,
        [
            Event("c-req", "rma.requested", "RMA-C", Requested("ORD-C")),
            Event("c-label", "carrier.label_created", "RMA-C", new { carrier = "GLS", trackingNumber = "GLS123" }),
        ]);
        const string secret = "whsec-generic-carrier-0123456789";
        using (var set = await http.SendAsync(HttpMethod.Put, "/v1/inbound/carrier/secret", key, new { secret }))
        {
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        }

        var tenant = _lastTenant;
        const string sample = """{"eventId":"gls-evt-1001","rmaId":"RMA-C","status":"in_transit","occurredAt":"2026-03-02T09:15:00Z","carrier":"GLS","trackingNumber":"GLS123"}""";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using (var ok = await PostSignedAsync(http, tenant, sample, now, secret))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("applied", (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using (var redelivered = await PostSignedAsync(http, tenant, sample, now, secret))
        {
            Assert.Equal("duplicate", (await redelivered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using (var badSignature = await PostSignedAsync(http, tenant, sample, now, "not-the-tenants-secret-000"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, badSignature.StatusCode);
            Assert.Equal("application/problem+json", badSignature.Content.Headers.ContentType?.MediaType);
        }

        var delivered = sample.Replace("gls-evt-1001", "gls-evt-1002").Replace("in_transit", "delivered");
        using (var stale = await PostSignedAsync(http, tenant, delivered, now - 600, secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
            Assert.Contains("stale", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        using (var malformed = await PostSignedAsync(http, tenant, "{\"eventId\":\"gls-evt-1003\",\"rmaId\":", now, secret))
        {
            Assert.Equal(HttpStatusCode.Accepted, malformed.StatusCode);
            var body = await malformed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("dead_lettered", body.GetProperty("status").GetString());
            var letter = await GetJsonAsync(http, key, $"/v1/dead-letters/{body.GetProperty("deadLetterId").GetString()}");
            Assert.Equal("carrier", letter.GetProperty("source").GetString());
            Assert.Equal("payload.json", letter.GetProperty("reasonCode").GetString());
            Assert.True(letter.GetProperty("headers").TryGetProperty("X-RA-Signature", out _));
        }

        Assert.Equal("InTransit", (await GetJsonAsync(http, key, "/v1/rmas/RMA-C")).GetProperty("status").GetString());
        Assert.Single(await TrailAsync(http, key, "RMA-C"), t => t == "shipment.in_transit");
        Assert.DoesNotContain("shipment.delivered", await TrailAsync(http, key, "RMA-C"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task IngestOverItsInFlightLimit_Is429WithRetryAfter_AndNothingOfItApplied()
    {
        var settings = EmbeddedApiSilo.Settings();
        settings["Ingest:MaxConcurrentRequests"] = "1";
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();
        var http = silo.Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, key) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        await OrderAsync(http, key, "ORD-L");

        // A slow client holds the only slot: its body arrives in two halves.
        var line = JsonSerializer.Serialize(Event("slow-1", "rma.requested", "RMA-SLOW", Requested("ORD-L")));
        var release = new TaskCompletionSource();
        var slowContent = new StalledContent(Encoding.UTF8.GetBytes(line), release.Task);
        slowContent.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        var slow = http.SendAsync(HttpMethod.Post, "/v1/events", key, content: slowContent);
        await slowContent.FirstHalfSent;
        await Task.Delay(300);

        using (var refused = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent(JsonSerializer.Serialize(Event("fast-1", "rma.requested", "RMA-FAST", Requested("ORD-L"))), Encoding.UTF8, "application/x-ndjson")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        }

        release.SetResult();
        using (var done = await slow)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        using var fast = await http.SendAsync(HttpMethod.Get, "/v1/rmas/RMA-FAST", key);
        Assert.Equal(HttpStatusCode.NotFound, fast.StatusCode);
        Assert.Equal("RMA-SLOW", (await GetJsonAsync(http, key, "/v1/rmas/RMA-SLOW")).GetProperty("rmaId").GetString());
    }

    private async Task<(HttpClient Http, string Key)> TenantAsync()
    {
        var silo = await fixture.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, key) = await silo.Http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        _lastTenant = tenant;
        return (silo.Http, key);
    }

    internal static object Event(string id, string type, string subject, object? data) => data is null
        ? new { specversion = "1.0", id, source = "/tests/ingest", type = Ce + type, subject, time = DateTimeOffset.UtcNow }
        : new { specversion = "1.0", id, source = "/tests/ingest", type = Ce + type, subject, time = DateTimeOffset.UtcNow, datacontenttype = "application/json", data };

    internal static object Requested(string orderId) =>
        new { orderId, lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } } };

    internal static async Task OrderAsync(HttpClient http, string key, string orderId)
    {
        using var response = await http.SendAsync(HttpMethod.Put, $"/v1/orders/{orderId}", key, new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "tools", quantity = 1, unitPrice = 50m, serialNumbers = Array.Empty<string>() } },
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    internal static async Task<JsonElement> IngestNdJsonAsync(HttpClient http, string key, IEnumerable<object> events)
    {
        using var response = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
            content: new StringContent(string.Join("\n", events.Select(e => JsonSerializer.Serialize(e))), Encoding.UTF8, "application/x-ndjson"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient http, string key, string path)
    {
        using var response = await http.SendAsync(HttpMethod.Get, path, key);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The trail's event types, without the recommendations the advisory channel records at its own pace.</summary>
    internal static async Task<List<string>> TrailAsync(HttpClient http, string key, string rmaId) =>
        [.. (await GetJsonAsync(http, key, $"/v1/rmas/{rmaId}/events")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!)
            .Where(t => t != "recommendation.issued")];

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient http, string tenant, string body, long timestamp, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inbound/carrier");
        request.Headers.Add("X-Tenant-Id", tenant);
        request.Headers.Add("X-RA-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        request.Headers.Add("X-RA-Signature", $"v1={Convert.ToHexStringLower(mac)}");
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }

    /// <summary>A body sent in two halves, the second once <paramref name="release"/> completes.</summary>
    private sealed class StalledContent(byte[] body, Task release) : HttpContent
    {
        private readonly TaskCompletionSource _firstHalf = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstHalfSent => _firstHalf.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var half = body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, half));
            await stream.FlushAsync();
            _firstHalf.TrySetResult();
            await release;
            await stream.WriteAsync(body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
