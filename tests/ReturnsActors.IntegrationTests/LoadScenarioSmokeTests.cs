using System.Diagnostics;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>A seconds-long run of the load harness's return scenarios against a real silo: they work end to end
/// and the reports are written. Nothing about speed is asserted.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class LoadScenarioSmokeTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task LifecycleIngestAndHotWarehouseScenarios_RunWithoutFailures_AndWriteEveryReport()
    {
        var silo = await api.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var dir = Path.Combine(Path.GetTempPath(), $"ra-smoke-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "smoke.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            target = new { baseUrl = silo.Http.BaseAddress!.ToString(), apiKey = EmbeddedApiSilo.AdminKey, headers = new Dictionary<string, string> { ["X-Tenant-Id"] = tenant } },
            scenarios = new object[]
            {
                Scenario("lifecycle", "rma-lifecycle", new { }),
                Scenario("ingest", "bulk-ingest", new { returnsPerBatch = 2, orders = 3 }),
                Scenario("hot", "hot-warehouse", new { orders = 3 }),
            },
        }));

        var harness = Path.Combine(TestEnvironment.RepositoryRoot, "load-tests", "ReturnsActors.LoadTests", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name, "net10.0", "ReturnsActors.LoadTests.dll");
        var start = new ProcessStartInfo("dotnet", [harness, "run", "--config", config, "--out", Path.Combine(dir, "out"), "--no-live"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await output + await errors);

        foreach (var report in new[] { "report.html", "report.md", "report.csv", "report.json" })
        {
            Assert.True(File.Exists(Path.Combine(dir, "out", report)), report);
        }

        var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "out", "report.json"))).RootElement;
        foreach (var scenario in json.GetProperty("scenarios").EnumerateArray())
        {
            var stats = scenario.GetProperty("stats");
            Assert.True(stats.GetProperty("ok").GetInt64() > 0, scenario.GetProperty("name").GetString());
            Assert.Equal(0, stats.GetProperty("fail").GetInt64());
        }

        Directory.Delete(dir, recursive: true);
    }

    private static object Scenario(string name, string type, object settings) => new
    {
        name,
        type,
        settings,
        warmUp = "0s",
        maxDuration = "60s",
        simulations = new[] { new { kind = "keep-constant", copies = 2, during = "2s" } },
        thresholds = new[] { new { check = "fail_rate < 0.01" } },
    };
}
