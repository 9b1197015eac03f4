using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;
using StandardWebhooks;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own with <c>Webhooks:AllowLoopback=true</c> (the shared one keeps the default, false) and fast retries.</summary>
public sealed class WebhookSilo : IAsyncLifetime
{
    internal SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = EmbeddedApiSilo.Settings();
        settings["Webhooks:AllowLoopback"] = "true";
        settings["Webhooks:RetryBaseMilliseconds"] = "100";
        settings["Webhooks:RetryMaxSeconds"] = "1";
        settings["Webhooks:PollMilliseconds"] = "100";
        // "*" subscriptions count the trail exactly; recommendations recorded later by the advisory channel would race that count.
        settings["Connectors:Advisory:Enabled"] = "false";
        Silo = SiloProcess.Start(settings);
        await Silo.WaitReadyAsync();
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Outbound webhooks against a real subscriber (Kestrel on 127.0.0.1), signatures verified by the StandardWebhooks package.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookSilo webhookSilo, EmbeddedApiSilo shared) : IClassFixture<WebhookSilo>
{
    [Fact]
    public async Task ASubscriberThatWasDown_GetsEveryEventOnceInSeqOrder_Signed_AndBothSecretsSignDuringRotation()
    {
        await using var subscriber = await Subscriber.StartAsync(StatusCodes.Status503ServiceUnavailable);
        using var http = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        var (id, secret) = await SubscribeAsync(http, subscriber.Url, "*");
        subscriber.Secrets.Add(secret);

        await LoadOrderAsync(http);
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            await CreateRmaAsync(http, rma);
        }

        (await http.PostAsJsonAsync("/v1/rmas/R-1/label", new { carrier = "UPS", trackingNumber = "1Z1" })).EnsureSuccessStatusCode();

        // Down: attempts fail and are retried, and the log says so.
        await WaitUntilAsync(async () => (await DeliveriesAsync(http, id)).Count(d => d!["statusCode"]?.GetValue<int>() == 503) >= 3);
        Assert.Empty(subscriber.Received);

        subscriber.Status = StatusCodes.Status204NoContent;
        var expected = new List<(string Rma, long Seq)>();
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var events = JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray();
            expected.AddRange(events.Select(e => (rma, e!["seq"]!.GetValue<long>())));
        }

        await WaitUntilAsync(() => Task.FromResult(subscriber.Received.Count >= expected.Count));
        await Task.Delay(500);
        var received = subscriber.Received.ToList();
        Assert.Empty(subscriber.Failures);
        Assert.Equal(expected.Count, received.Count);
        Assert.Equal(received.Count, received.Select(r => r.WebhookId).Distinct().Count());
        Assert.Equal(expected.OrderBy(e => e).ToList(), received.Select(r => (r.Rma, r.Seq)).OrderBy(e => e).ToList());
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var seqs = received.Where(r => r.Rma == rma).Select(r => r.Seq).ToList();
            Assert.Equal(seqs.Order().ToList(), seqs);
        }

        // Rotation: the next delivery carries the new signature and the old one; each verifies with its own secret.
        using var rotated = await http.PostAsync($"/v1/webhook-subscriptions/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", newSecret);
        subscriber.Secrets.Clear();
        subscriber.Secrets.Add(newSecret);
        subscriber.Secrets.Add(secret);
        var before = subscriber.Received.Count;
        await CreateRmaAsync(http, "R-3");
        await WaitUntilAsync(() => Task.FromResult(subscriber.Received.Count > before));
        Assert.Empty(subscriber.Failures);
        Assert.All(subscriber.Received.Skip(before), r => Assert.Equal(2, r.Signatures));

        // The secret is never shown again.
        var read = await http.GetStringAsync($"/v1/webhook-subscriptions/{id}");
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(newSecret, read);
    }

    [Fact]
    public async Task A410_DisablesTheSubscription_AfterOneAttempt()
    {
        await using var subscriber = await Subscriber.StartAsync(StatusCodes.Status410Gone);
        using var http = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        var (id, _) = await SubscribeAsync(http, subscriber.Url, "return.*");
        await LoadOrderAsync(http);
        await CreateRmaAsync(http, "R-1");

        await WaitUntilAsync(async () => JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}"))!["status"]!.GetValue<string>() == "disabled");
        await Task.Delay(500);
        var attempt = Assert.Single(await DeliveriesAsync(http, id));
        Assert.Equal(410, attempt!["statusCode"]!.GetValue<int>());
        Assert.Equal(1, subscriber.Attempts);
    }

    [Fact]
    public async Task A429_WaitsForRetryAfter_ThenDelivers()
    {
        await using var subscriber = await Subscriber.StartAsync(StatusCodes.Status429TooManyRequests);
        subscriber.RetryAfter = "1";
        using var http = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        var (id, secret) = await SubscribeAsync(http, subscriber.Url, "return.requested");
        subscriber.Secrets.Add(secret);
        await LoadOrderAsync(http);
        await CreateRmaAsync(http, "R-1");

        // Without Retry-After this silo retries after 50-100 ms (RetryBaseMilliseconds=100); the receiver asked for 1 s.
        await WaitUntilAsync(() => Task.FromResult(subscriber.Attempts >= 3));
        var times = subscriber.AttemptTimes.ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(900), $"{pair.Second - pair.First}"));

        subscriber.Status = StatusCodes.Status204NoContent;
        await WaitUntilAsync(() => Task.FromResult(!subscriber.Received.IsEmpty));
        var delivered = Assert.Single(subscriber.Received);
        Assert.Equal(("R-1", 1L), (delivered.Rma, delivered.Seq));
        Assert.Empty(subscriber.Failures);
        var log = await DeliveriesAsync(http, id);
        Assert.True(log[0]!["delivered"]!.GetValue<bool>());
        Assert.Contains(log, d => d!["statusCode"]?.GetValue<int>() == 429);
    }

    [Fact]
    public async Task AnotherTenantsSubscription_Is404_ForEveryOperation()
    {
        using var owner = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        using var other = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        var (id, _) = await SubscribeAsync(owner, "https://hooks.example.com/returns", "return.*");

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/v1/webhook-subscriptions/{id}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Empty(JsonNode.Parse(await other.GetStringAsync("/v1/webhook-subscriptions"))!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("ftp://hooks.example.com/")]
    public async Task InternalTargets_AreRefusedAtCreation_WhenLoopbackIsNotAllowed(string url)
    {
        // The shared silo keeps Webhooks:AllowLoopback at its default, false.
        using var http = Client(await shared.GetAsync(), ApiRequests.NewTenantId());
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url, eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("url", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CloudMetadata_IsRefused_EvenWhereLoopbackIsAllowed()
    {
        using var http = Client(webhookSilo.Silo, ApiRequests.NewTenantId());
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url = "http://169.254.169.254/", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    private static HttpClient Client(SiloProcess silo, string tenant)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", EmbeddedApiSilo.AdminKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        return http;
    }

    internal static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient http, string url, params string[] eventTypes)
    {
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url, eventTypes, description = "test" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var created = JsonNode.Parse(body)!;
        return (created["subscription"]!["id"]!.GetValue<string>(), created["secret"]!.GetValue<string>());
    }

    internal static async Task<JsonArray> DeliveriesAsync(HttpClient http, string id) =>
        JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}/deliveries"))!.AsArray();

    internal static async Task LoadOrderAsync(HttpClient http, string orderId = "O-1", string? customerEmail = null, string? customerLanguage = null) =>
        (await http.PutAsJsonAsync($"/v1/orders/{orderId}", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            customerEmail,
            customerLanguage,
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 5, unitPrice = 10m, serialNumbers = Array.Empty<string>() } },
        })).EnsureSuccessStatusCode();

    internal static async Task CreateRmaAsync(HttpClient http, string rma, string orderId = "O-1", int quantity = 1)
    {
        using var created = await http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = rma,
            orderId,
            lines = new[] { new { orderLineId = "1", quantity, reasonCode = "SIZE", reasonClass = "Convenience" } },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the webhook deliveries.");
            await Task.Delay(100);
        }
    }

    /// <summary>A subscriber on a random loopback port: answers <see cref="Status"/>; on a 2xx it verifies each signature with the
    /// StandardWebhooks package (one signature at a time: the package mishandles several in one header) and records the event.</summary>
    internal sealed class Subscriber : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _attempts;

        private Subscriber(WebApplication app) => _app = app;

        public volatile int Status;
        public volatile string? RetryAfter;
        public ConcurrentQueue<DateTimeOffset> AttemptTimes { get; } = new();
        public string Url { get; private set; } = "";
        public int Attempts => Volatile.Read(ref _attempts);
        public ConcurrentBag<string> Secrets { get; } = [];
        public ConcurrentQueue<(string WebhookId, string Rma, long Seq, int Signatures)> Received { get; } = new();
        public ConcurrentQueue<string> Failures { get; } = new();

        public static async Task<Subscriber> StartAsync(int status)
        {
            var app = LoopbackHttp.Create();
            var subscriber = new Subscriber(app) { Status = status };
            app.MapPost("/hook", async (HttpContext context) =>
            {
                Interlocked.Increment(ref subscriber._attempts);
                subscriber.AttemptTimes.Enqueue(DateTimeOffset.UtcNow);
                var status = subscriber.Status;
                if (status is < 200 or >= 300)
                {
                    if (subscriber.RetryAfter is { } retryAfter)
                    {
                        context.Response.Headers.RetryAfter = retryAfter;
                    }

                    return Results.StatusCode(status);
                }

                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                subscriber.Verify(body, context.Request.Headers);
                var json = JsonNode.Parse(body)!;
                subscriber.Received.Enqueue((context.Request.Headers["webhook-id"].ToString(), json["rmaId"]!.GetValue<string>(),
                    json["seq"]!.GetValue<long>(), context.Request.Headers["webhook-signature"].ToString().Split(' ').Length));
                if (json["id"]!.GetValue<string>() != context.Request.Headers["webhook-id"].ToString())
                {
                    subscriber.Failures.Enqueue("payload id differs from webhook-id");
                }

                return Results.NoContent();
            });
            await app.StartAsync();
            var address = LoopbackHttp.Address(app);
            subscriber.Url = $"{address}/hook";
            return subscriber;
        }

        private void Verify(string body, IHeaderDictionary headers)
        {
            var signatures = headers["webhook-signature"].ToString().Split(' ');
            var secrets = Secrets.ToList();
            foreach (var signature in signatures)
            {
                var single = new HeaderDictionary
                {
                    ["webhook-id"] = headers["webhook-id"],
                    ["webhook-timestamp"] = headers["webhook-timestamp"],
                    ["webhook-signature"] = signature,
                };
                var verified = secrets.Any(secret =>
                {
                    try
                    {
                        new StandardWebhook(secret).Verify(body, single);
                        return true;
                    }
                    catch (Exception)
                    {
                        return false;
                    }
                });
                if (!verified)
                {
                    Failures.Enqueue($"signature {signature} verifies with no secret");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
