using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Hosting;

/// <summary>The <c>demo</c> command: once the silo serves, walk one return through its whole lifecycle over the
/// real HTTP API (load an order, open the return, ship, receive, inspect, disposition, settle, close, verify the
/// audit chain), print each step, and leave the silo running for a look around.</summary>
internal sealed class DemoWalkthrough(ReturnsActorsSettings settings, IHostApplicationLifetime lifetime) : BackgroundService
{
    private const string Tenant = "demo";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var host = settings.Http.BindAddress == "0.0.0.0" ? "127.0.0.1" : settings.Http.BindAddress;
        var baseUrl = $"http://{host}:{settings.Http.Port}";
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", settings.Bootstrap.AdminApiKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
        try
        {
            await RunAsync(http, baseUrl, stoppingToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException)
        {
            Console.WriteLine($"demo: stopped early: {ex.Message}");
        }
    }

    private static async Task RunAsync(HttpClient http, string baseUrl, CancellationToken ct)
    {
        var suffix = DateTime.UtcNow.ToString("HHmmss");
        var orderId = $"ORD-DEMO-{suffix}";
        var rmaId = $"RMA-DEMO-{suffix}";
        Console.WriteLine();
        Console.WriteLine($"demo: one return through its lifecycle, over {baseUrl}/v1 (tenant '{Tenant}')");
        Console.WriteLine($"  {"step",-34} {"HTTP",4} {"status",-18} {"ms",6}");

        await Step(http, "load order " + orderId, HttpMethod.Put, $"/v1/orders/{orderId}", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-4),
            currency = "EUR",
            lines = new[]
            {
                new { orderLineId = "1", sku = "SKU-HEADPHONES-01", category = "electronics", quantity = 1, unitPrice = 199.99m, serialNumbers = new[] { "SN-DEMO-1" } },
                new { orderLineId = "2", sku = "SKU-TSHIRT-M-BLUE", category = "apparel", quantity = 2, unitPrice = 19.95m, serialNumbers = Array.Empty<string>() },
            },
        }, ct);
        await Step(http, "open return (checks eligibility)", HttpMethod.Post, "/v1/rmas", new
        {
            rmaId,
            orderId,
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "NO_POWER", reasonClass = "Defect", serialNumbers = new[] { "SN-DEMO-1" } } },
            customerNote = "Headphones do not switch on.",
        }, ct);
        var rma = $"/v1/rmas/{rmaId}";
        await Step(http, "carrier label created", HttpMethod.Post, $"{rma}/label", new { carrier = "DHL", trackingNumber = $"JD{suffix}" }, ct);
        await Step(http, "parcel in transit", HttpMethod.Post, $"{rma}/carrier-events", new { kind = "InTransit" }, ct);
        await Step(http, "parcel delivered to warehouse", HttpMethod.Post, $"{rma}/carrier-events", new { kind = "Delivered" }, ct);
        await Step(http, "warehouse receipt", HttpMethod.Post, $"{rma}/receive",
            new { lines = new[] { new { lineId = "L1", quantity = 1, serialNumbers = new[] { "SN-DEMO-1" } } }, final = true, warehouse = "WH-BERLIN" }, ct);
        await Step(http, "inspection: grade C", HttpMethod.Post, $"{rma}/inspect",
            new { lines = new[] { new { lineId = "L1", grade = "C", conditionNotes = "does not power on" } } }, ct);
        await Step(http, "disposition by policy", HttpMethod.Post, $"{rma}/disposition", new { }, ct);
        await Step(http, "settle: refund original payment", HttpMethod.Post, $"{rma}/settle", new { kind = "RefundOriginalPayment" }, ct);
        await Step(http, "ERP confirms the refund", HttpMethod.Post, $"{rma}/confirm-settlement", new { reference = $"ERP-{suffix}" }, ct);
        await Step(http, "close", HttpMethod.Post, $"{rma}/close", new { }, ct);

        var events = await http.GetFromJsonAsync<JsonElement>($"{rma}/events", ct);
        Console.WriteLine();
        Console.WriteLine("  audit trail (hash-chained):");
        foreach (var e in events.GetProperty("events").EnumerateArray())
        {
            var rules = string.Join(",", e.GetProperty("ruleIds").EnumerateArray().Select(r => r.GetString()));
            Console.WriteLine($"  {e.GetProperty("seq").GetInt64(),3} {e.GetProperty("type").GetString(),-26} {e.GetProperty("hash").GetString()![..12]}  {rules}");
        }

        var verify = await http.GetFromJsonAsync<JsonElement>($"{rma}/events/verify", ct);
        Console.WriteLine($"  chain valid: {verify.GetProperty("valid").GetBoolean()}");
        Console.WriteLine();
        Console.WriteLine($"demo: done. The silo keeps running (Ctrl+C stops it): {baseUrl}/dashboard, {baseUrl}/metrics, {baseUrl}/openapi/v1.json");
        Console.WriteLine($"demo: try  curl -H 'X-Api-Key: <Bootstrap:AdminApiKey>' -H 'X-Tenant-Id: demo' {baseUrl}{rma}");
    }

    private static async Task Step(HttpClient http, string name, HttpMethod method, string path, object body, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await http.SendAsync(request, ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var status = json.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()
            : json.TryGetProperty("channel", out _) ? "loaded" : "";
        Console.WriteLine($"  {name,-34} {(int)response.StatusCode,4} {status,-18} {clock.ElapsedMilliseconds,6}");
        if (!response.IsSuccessStatusCode)
        {
            var detail = json.TryGetProperty("detail", out var d) ? d.GetString() : json.ToString();
            throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {detail}");
        }
    }
}
