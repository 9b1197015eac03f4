using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Npgsql;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.TestData;

namespace ReturnsActors.IntegrationTests;

/// <summary>One Cluster silo on a fresh database whose read model and event log hold <see cref="KpiDataset"/>.</summary>
public sealed class ObservabilityCluster : IAsyncLifetime
{
    public const string AdminKey = "ra_observability_test_admin_key_0123456789";
    public const string Tenant = "kpi-shop";

    private string _database = "";
    private SiloProcess? _silo;

    /// <summary>The dataset's t0: the UTC midnight ten days ago, so "now" falls between t0+10d and t0+11d.</summary>
    public DateTimeOffset T0 { get; } = new(DateTime.UtcNow.Date.AddDays(-10), TimeSpan.Zero);

    internal SiloProcess Silo => _silo!;

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_observability");
        _silo = SiloProcess.Start(SiloProcess.ClusterSettings(_database, $"obs-{Guid.NewGuid():N}", AdminKey));
        await _silo.WaitReadyAsync();
        await SeedAsync();
        using var admin = Client();
        await WaitForAdvisoryModelAsync(admin);
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        await TestEnvironment.DropDatabaseAsync(_database);
    }

    public HttpClient Client(string? apiKey = AdminKey)
    {
        var http = new HttpClient { BaseAddress = Silo.Http.BaseAddress };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            http.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
        }

        return http;
    }

    /// <summary>The silo trains the first advisory model on this fresh database; until then the ops page shows a 503 for it.</summary>
    internal static async Task<JsonElement> WaitForAdvisoryModelAsync(HttpClient admin, string? version = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await admin.GetAsync("/v1/advisory/model");
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (version is null || view.GetProperty("model").GetProperty("version").GetString() == version)
                {
                    return view;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"GET /v1/advisory/model did not show {version ?? "a model"} in time; last: {last}");
    }

    private async Task SeedAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        foreach (var row in KpiDataset.Rows)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO rma_read (tenant_id, rma_id, order_id, channel, status, on_hold, warehouse, reason_classes, sla_state,
                                      created_at, updated_at, version)
                VALUES (@tenant, @rma, @order, @channel, @status, false, @warehouse, '{Convenience}', @sla, @created, @updated, 1)
                """, connection);
            insert.Parameters.AddWithValue("tenant", Tenant);
            insert.Parameters.AddWithValue("rma", row.RmaId);
            insert.Parameters.AddWithValue("order", $"ORD-{row.RmaId}");
            insert.Parameters.AddWithValue("channel", row.Channel);
            insert.Parameters.AddWithValue("status", row.Status.ToString());
            insert.Parameters.AddWithValue("warehouse", (object?)row.Warehouse ?? DBNull.Value);
            insert.Parameters.AddWithValue("sla", row.Sla.ToString());
            insert.Parameters.AddWithValue("created", T0.AddDays(row.CreatedDay).UtcDateTime);
            insert.Parameters.AddWithValue("updated", T0.AddDays(row.UpdatedDay).UtcDateTime);
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var (e, seq) in KpiDataset.Events.GroupBy(e => e.RmaId).SelectMany(g => g.Select((e, i) => (e, i + 1))))
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO rma_events (tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
                VALUES (@tenant, @rma, @seq, @type, @at, 'test', @command, 0, '{}', @data, 'seed', 'seed')
                """, connection);
            insert.Parameters.AddWithValue("tenant", Tenant);
            insert.Parameters.AddWithValue("rma", e.RmaId);
            insert.Parameters.AddWithValue("seq", (long)seq);
            insert.Parameters.AddWithValue("type", e.Type);
            insert.Parameters.AddWithValue("at", T0.AddDays(e.Day).UtcDateTime);
            insert.Parameters.AddWithValue("command", $"seed-{e.RmaId}-{seq}");
            insert.Parameters.AddWithValue("data", e.DataJson);
            await insert.ExecuteNonQueryAsync();
        }
    }
}

[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ObservabilityTests(ObservabilityCluster cluster) : IClassFixture<ObservabilityCluster>
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Dashboard_InTheClusterProfile_Is401WithoutTheKey_And200WithIt()
    {
        using var anonymous = cluster.Client(apiKey: null);
        using var without = await anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);

        using var admin = cluster.Client();
        using var with = await admin.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Contains("html", with.Content.Headers.ContentType?.MediaType ?? "");
    }

    [Fact]
    public async Task Kpis_OfKnownRowsInPostgres_EqualTheHandComputedFigures()
    {
        using var http = cluster.Client();
        var from = Uri.EscapeDataString(cluster.T0.ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(cluster.T0.AddDays(7).ToString("O", CultureInfo.InvariantCulture));
        using var response = await http.GetAsync($"/v1/kpis?from={from}&to={to}&groupBy=day");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var report = await response.Content.ReadFromJsonAsync<KpiReport>(_json);
        Assert.Equal(ObservabilityCluster.Tenant, report!.TenantId);
        KpiDataset.AssertHandComputed(report, cluster.T0);
    }

    [Fact]
    public async Task Kpis_WithAnUnknownGrouping_OrABackwardsRange_AreRefused()
    {
        using var http = cluster.Client();
        using var month = await http.GetAsync("/v1/kpis?groupBy=month");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, month.StatusCode);
        using var backwards = await http.GetAsync("/v1/kpis?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, backwards.StatusCode);
        using var anonymous = cluster.Client(apiKey: null);
        using var unauthenticated = await anonymous.GetAsync("/v1/kpis");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task ApiKeys_NeverAppearInTheLogs()
    {
        using var admin = new HttpClient { BaseAddress = cluster.Silo.Http.BaseAddress };
        var tenant = ApiRequests.NewTenantId();
        await admin.CreateTenantAsync(ObservabilityCluster.AdminKey, tenant);
        var (_, tenantKey) = await admin.CreateKeyAsync(ObservabilityCluster.AdminKey, tenant, "admin");
        var wrongKey = tenantKey[..^4] + "zzzz";

        using (await admin.SendAsync(HttpMethod.Get, "/v1/kpis", tenantKey))
        using (await admin.SendAsync(HttpMethod.Get, "/v1/rmas", wrongKey))
        using (await admin.SendAsync(HttpMethod.Get, "/dashboard", wrongKey))
        using (await admin.SendAsync(HttpMethod.Post, "/v1/rmas", tenantKey, new { orderId = "missing", lines = Array.Empty<object>() }))
        {
        }

        await Task.Delay(500);
        var output = cluster.Silo.Output;
        Assert.NotEmpty(output);
        var secret = ApiRequests.SecretOf(tenantKey);
        Assert.DoesNotContain(ObservabilityCluster.AdminKey, output);
        Assert.DoesNotContain(secret, output);
        Assert.DoesNotContain(ApiRequests.SecretOf(wrongKey), output);
    }

    [Fact]
    public async Task OpsPage_InHeadlessChromium_LoadsCleanly_AndShowsTheNumbersOfTheKpiEndpoint()
    {
        await using var session = await OpsPageSession.OpenAsync(cluster.Silo.Http.BaseAddress!, ObservabilityCluster.AdminKey, ObservabilityCluster.Tenant);
        var page = session.Page;

        var from = await page.GetAttributeAsync("body", "data-from");
        var to = await page.GetAttributeAsync("body", "data-to");
        using var http = cluster.Client();
        var kpis = JsonNode.Parse(await http.GetStringAsync(
            $"/v1/kpis?from={Uri.EscapeDataString(from!)}&to={Uri.EscapeDataString(to!)}&groupBy=day"))!;
        Assert.Equal(4, kpis["tiles"]!["openReturns"]!.GetValue<int>());

        var tiles = await page.Locator("[data-kpi]").AllAsync();
        Assert.True(tiles.Count >= 8);
        foreach (var tile in tiles)
        {
            var path = (await tile.GetAttributeAsync("data-kpi"))!;
            var format = await tile.GetAttributeAsync("data-format");
            var suffix = await tile.GetAttributeAsync("data-suffix") ?? "";
            var value = path.Split('.').Aggregate<string, JsonNode?>(kpis, (node, key) => node?[key]);
            var expected = value is null ? "—"
                : format == "percent" ? (value.GetValue<double>() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%"
                : value.ToJsonString();
            Assert.Equal(expected + suffix, await tile.TextContentAsync());
        }

        var agingCells = await page.Locator("#aging tbody td.num").AllTextContentsAsync();
        Assert.Equal(kpis["aging"]!.AsArray().Select(b => b!["count"]!.ToJsonString()), agingCells);

        // A warehouse in the backlog chart opens the list of its returns.
        await page.Locator("#backlogChart a").First.ClickAsync();
        await page.WaitForSelectorAsync("#list:not([hidden]) tbody tr", new PageWaitForSelectorOptions { Timeout = 10000 });
        Assert.NotEmpty(await page.Locator("#list tbody tr").AllAsync());

        var screenshot = Path.Combine(TestEnvironment.RepositoryRoot, "TestResults", "ops-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 0);
        Assert.Empty(session.Errors);
    }
}
