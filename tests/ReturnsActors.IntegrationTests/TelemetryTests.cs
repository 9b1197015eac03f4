using System.Collections;
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ReturnsActors.Grains.Telemetry;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Hosting;

namespace ReturnsActors.IntegrationTests;

/// <summary>The silo's own wiring (AddReturnsActors / MapReturnsActors) in this process, Cluster profile, with the
/// OpenTelemetry in-memory exporters added next to Prometheus.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string AdminKey = "ra_telemetry_test_admin_key_0123456789";
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();
    private string _database = "";
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_telemetry");
        var port = TestEnvironment.FreeTcpPort();
        var settings = SiloProcess.ClusterSettings(_database, $"telemetry-{Guid.NewGuid():N}", AdminKey);
        settings["Http:Port"] = port.ToString();
        settings["Silo:SiloPort"] = TestEnvironment.FreeTcpPort().ToString();
        settings["Silo:GatewayPort"] = TestEnvironment.FreeTcpPort().ToString();
        settings["Dashboard:Enabled"] = "false";

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"ReturnsActors:{s.Key}", (string?)s.Value)));
        builder.AddReturnsActors();
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans));
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics));
        _app = builder.Build();
        _app.MapReturnsActors();
        await _app.PrepareAsync();
        await _app.StartAsync();
        // A caller from outside: no trace context of its own, so the server span starts the trace.
        _http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        _http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        _http.DefaultRequestHeaders.Add("X-Tenant-Id", "trace-shop");
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await TestEnvironment.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task OneRequest_IsOneTrace_FromTheHttpServer_ThroughTheGrainCall_ToPostgres_AndTheBusinessMetersCountIt()
    {
        var order = new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-1),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 2, unitPrice = 10m, serialNumbers = Array.Empty<string>() } },
        };
        (await _http!.PutAsJsonAsync("/v1/orders/O-1", order)).EnsureSuccessStatusCode();
        using var created = await _http!.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = "R-TRACE",
            orderId = "O-1",
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "X", reasonClass = "Convenience" } },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        var server = await EventuallyAsync(() => _spans.Snapshot().FirstOrDefault(a =>
            a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore"
            && (a.GetTagItem("http.route") as string)?.TrimEnd('/') == "/v1/rmas" && (a.GetTagItem("http.request.method") as string) == "POST"));
        var trace = server.TraceId;
        var spans = await EventuallyAsync(() =>
        {
            var inTrace = _spans.Snapshot().Where(a => a.TraceId == trace).ToList();
            return inTrace.Any(a => a.Source.Name == "Microsoft.Orleans.Application") && inTrace.Any(a => a.Source.Name == "Npgsql") ? inTrace : null;
        });

        var grainCall = Assert.Single(spans, a => a.Source.Name == "Microsoft.Orleans.Application" && a.Kind == ActivityKind.Client
            && a.DisplayName == "IRmaGrain/CreateAsync");
        Assert.Equal(server.SpanId, grainCall.ParentSpanId);
        Assert.Contains(spans, a => a.Source.Name == "Npgsql" && a.Kind == ActivityKind.Client);
        Assert.All(spans.Where(a => a != server), a => Assert.NotEqual(default, a.ParentSpanId));
        // Every span of the request hangs off the server span: one trace, not several stitched by time.
        var ids = spans.Select(a => a.SpanId).ToHashSet();
        Assert.All(spans.Where(a => a != server), a => Assert.Contains(a.ParentSpanId, ids));

        // The projector counts the committed events; the sampler reports the return's state.
        var meterProvider = _app!.Services.GetRequiredService<MeterProvider>();
        var metrics = _app.Services.GetRequiredService<ReturnsMetrics>();
        metrics.DeadLetter("test");
        metrics.WebhookDelivery(delivered: false);
        await EventuallyAsync(() =>
        {
            meterProvider.ForceFlush();
            var all = _metrics.Snapshot();
            bool Has(string name, string tag, string value) => all.Any(m => m.Name == name && m.MetricPoints.Any(p => HasTag(p, tag, value)));
            return Has("returnsactors.rma.transitions", "event_type", "return.requested")
                && Has("returnsactors.rma.returns", "tenant", "trace-shop")
                && Has("returnsactors.tasks.queue_depth", "tenant", "trace-shop")
                && Has("returnsactors.dead_letters", "source", "test")
                && Has("returnsactors.webhook.deliveries", "outcome", "failed")
                && all.Any(m => m.Name == "returnsactors.projection.lag_events") ? all : null;
        }, TimeSpan.FromSeconds(40));
    }

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<T> EventuallyAsync<T>(Func<T?> probe, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(200);
        }

        var spans = string.Join('\n', _spans.Snapshot().Where(a => a.Source.Name != "Npgsql").Select(a =>
            $"{a.TraceId} {a.Source.Name} {a.Kind} {a.DisplayName} parent={a.ParentSpanId} {string.Join(",", a.TagObjects.Select(t => $"{t.Key}={t.Value}"))}"));
        var metrics = string.Join(", ", _metrics.Snapshot().Select(m => m.Name).Distinct());
        Assert.Fail($"The expected telemetry was not exported in time.\nSpans:\n{spans}\nMetrics: {metrics}");
        return null!;
    }

    /// <summary>The exporters add from their threads while the test reads.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];
        private readonly Lock _gate = new();

        public int Count { get { lock (_gate) { return _items.Count; } } }
        public bool IsReadOnly => false;

        public List<T> Snapshot() { lock (_gate) { return [.. _items]; } }
        public void Add(T item) { lock (_gate) { _items.Add(item); } }
        public void Clear() { lock (_gate) { _items.Clear(); } }
        public bool Contains(T item) { lock (_gate) { return _items.Contains(item); } }
        public void CopyTo(T[] array, int arrayIndex) { lock (_gate) { _items.CopyTo(array, arrayIndex); } }
        public bool Remove(T item) { lock (_gate) { return _items.Remove(item); } }
        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
