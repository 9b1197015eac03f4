using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Issue 23: a Cluster database backed up with scripts/backup.sh (pg_dump) and restored with scripts/restore.sh into a second
/// PostgreSQL cluster (its own data folder and port, so its transaction ids start far below the first one's) carries on: after the
/// restore the read model, a webhook receiver and the ERP see every new event once and in each return's order, the chains verify and
/// the open returns' reminders are still registered.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class RestoreTests
{
    private const string AdminKey = "ra_restore_test_admin_key_0123456789";

    [Fact]
    public async Task ADatabaseRestoredIntoAnotherCluster_DeliversEveryNewEventOnceInOrder_ToTheReadModelWebhooksAndTheErp()
    {
        var source = await TestEnvironment.CreateDatabaseAsync("ra_restore_source");
        var port = TestEnvironment.FreeTcpPort();
        var second = new Dictionary<string, string>
        {
            ["RA_PG_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RA_STATE_DIR"] = Path.Combine(Path.GetTempPath(), $"ra-restore-{Guid.NewGuid():N}"),
        };
        var dump = Path.Combine(Path.GetTempPath(), $"ra-restore-{Guid.NewGuid():N}.dump");
        var tenant = ApiRequests.NewTenantId();
        await using var receiver = await WebhookReceiver.StartAsync(204);
        await using var erp = await ErpReceiver.StartAsync();
        try
        {
            await TestEnvironment.RunServicesScriptAsync("pg-start", second);
            var settings = OwnEmbeddedSilo.FastRetries(SiloProcess.ClusterSettings(source, $"ra-restore-{Guid.NewGuid():N}", AdminKey));
            settings["Webhooks:AllowLoopback"] = "true";
            settings["Connectors:Erp:Url"] = erp.Url;
            // The automatic advice would append events on its own schedule, racing the counts below.
            settings["Connectors:Advisory:Enabled"] = "false";
            await using (var before = SiloProcess.Start(settings))
            {
                await before.WaitReadyAsync();
                using var http = before.TenantClient(tenant, AdminKey);
                await ReturnScenario.SubscribeAsync(http, receiver, "*");
                await ReturnScenario.LoadOrderAsync(http);
                foreach (var rma in new[] { "R-1", "R-2", "R-4" })
                {
                    await ReturnScenario.CreateRmaAsync(http, rma);
                }

                await Step(http, "R-2", "label", new { carrier = "UPS", trackingNumber = "1Z2" });
                await ReturnScenario.WalkToSettlementAsync(http, "R-3", "O-3");
                await WaitDeliveredAsync(http, receiver, erp, tenant, ["R-1", "R-2", "R-3", "R-4"], settlements: 1);
                before.Terminate();
                Assert.True(await before.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not stop");
            }

            var (backedUp, backupOutput) = await ScriptAsync("backup.sh", ["logical", dump], new Dictionary<string, string>
            {
                ["RA_PG_DATABASE"] = new NpgsqlConnectionStringBuilder(source).Database!,
            });
            Assert.True(backedUp == 0, backupOutput);
            var restoreEnvironment = new Dictionary<string, string>(second) { ["RA_SILO"] = $"dotnet {TestEnvironment.SiloAssembly}" };
            var (restored, restoreOutput) = await ScriptAsync("restore.sh", [dump, "ra_restored"], restoreEnvironment);
            Assert.True(restored == 0, restoreOutput);
            Assert.Contains("moved from cluster", restoreOutput);
            Assert.Contains("chains: 4 of 4 returns intact", restoreOutput);

            var target = $"Host=127.0.0.1;Port={port};Username=postgres;Database=ra_restored";
            var deliveredBefore = receiver.Received.Count;
            settings["Postgres:ConnectionString"] = target;
            settings["ClusterId"] = $"ra-restored-{Guid.NewGuid():N}";
            await using var after = SiloProcess.Start(settings);
            await after.WaitReadyAsync();
            using (var http = after.TenantClient(tenant, AdminKey))
            {
                await Step(http, "R-1", "label", new { carrier = "UPS", trackingNumber = "1Z1" });
                await Step(http, "R-2", "carrier-events", new { kind = "InTransit" });
                await Step(http, "R-3", "confirm-settlement", new { reference = "CM-AFTER-RESTORE" });
                await ReturnScenario.WalkToSettlementAsync(http, "R-5", "O-5");
                await WaitDeliveredAsync(http, receiver, erp, tenant, ["R-1", "R-2", "R-3", "R-4", "R-5"], settlements: 2);
                Assert.True(receiver.Received.Count > deliveredBefore, "nothing was delivered after the restore");
            }

            var (checkedOut, checkOutput) = await SiloProcess.RunCommandAsync(new Dictionary<string, string>(), "check-restore", "--postgres", target,
                "--max-lag", "0");
            Assert.True(checkedOut == 0, checkOutput);
            Assert.Contains("chains: 5 of 5 returns intact", checkOutput);

            // The open returns' reminders came along in the dump (those open before the dump).
            foreach (var open in new[] { "R-1", "R-2", "R-4" })
            {
                Assert.NotEqual(0, await TestEnvironment.CountAsync(target,
                    $"SELECT count(*) FROM orleans_reminders WHERE grain_id LIKE '%{tenant}/{open}'"));
            }
        }
        finally
        {
            await TestEnvironment.RunServicesScriptAsync("pg-stop", second);
            Directory.Delete(second["RA_STATE_DIR"], recursive: true);
            File.Delete(dump);
            await TestEnvironment.DropDatabaseAsync(source);
        }
    }

    [Fact]
    public async Task APhysicalBaseBackup_RestoredAsANewCluster_KeepsTheLogOrder_AndDeliversEveryNewEventOnceInOrder()
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var state = Path.Combine(Path.GetTempPath(), $"ra-physical-{Guid.NewGuid():N}");
        var sourcePort = TestEnvironment.FreeTcpPort();
        var targetPort = TestEnvironment.FreeTcpPort();
        var sourceCluster = new Dictionary<string, string> { ["RA_PG_PORT"] = sourcePort.ToString(invariant), ["RA_STATE_DIR"] = state };
        // The restored cluster's data folder is where services.sh looks for that port, so pg-stop stops it.
        var targetCluster = new Dictionary<string, string> { ["RA_PG_PORT"] = targetPort.ToString(invariant), ["RA_STATE_DIR"] = state };
        var backup = Path.Combine(state, "base");
        var restoredData = Path.Combine(state, $"pg-{targetPort}");
        var tenant = ApiRequests.NewTenantId();
        await using var receiver = await WebhookReceiver.StartAsync(204);
        await using var erp = await ErpReceiver.StartAsync();
        try
        {
            await TestEnvironment.RunServicesScriptAsync("pg-start", sourceCluster);
            var source = $"Host=127.0.0.1;Port={sourcePort};Username=postgres;Database=returnsactors";
            var settings = OwnEmbeddedSilo.FastRetries(SiloProcess.ClusterSettings(source, $"ra-physical-{Guid.NewGuid():N}", AdminKey));
            settings["Webhooks:AllowLoopback"] = "true";
            settings["Connectors:Advisory:Enabled"] = "false";
            await using (var before = SiloProcess.Start(settings))
            {
                await before.WaitReadyAsync();
                using var http = before.TenantClient(tenant, AdminKey);
                await ReturnScenario.SubscribeAsync(http, receiver, "*");
                await ReturnScenario.LoadOrderAsync(http);
                await ReturnScenario.CreateRmaAsync(http, "R-1");
                await ReturnScenario.CreateRmaAsync(http, "R-2");
                await Step(http, "R-2", "label", new { carrier = "UPS", trackingNumber = "1Z2" });
                await WaitDeliveredAsync(http, receiver, erp, tenant, ["R-1", "R-2"], settlements: 0);
                before.Terminate();
                Assert.True(await before.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not stop");
            }

            var (backedUp, backupOutput) = await ScriptAsync("backup.sh", ["physical", backup], sourceCluster);
            Assert.True(backedUp == 0, backupOutput);
            // The source cluster is gone: the restored one stands on the base backup alone.
            await TestEnvironment.RunServicesScriptAsync("pg-stop", sourceCluster);

            var (restored, restoreOutput) = await ScriptAsync("restore.sh", ["physical", backup, restoredData],
                new Dictionary<string, string>(targetCluster) { ["RA_SILO"] = $"dotnet {TestEnvironment.SiloAssembly}" });
            Assert.True(restored == 0, restoreOutput);
            Assert.Contains("chains: 2 of 2 returns intact", restoreOutput);
            // A physical restore keeps the cluster's identity and transaction ids: no new log epoch is needed.
            Assert.DoesNotContain("moved from cluster", restoreOutput);

            var target = $"Host=127.0.0.1;Port={targetPort};Username=postgres;Database=returnsactors";
            settings["Postgres:ConnectionString"] = target;
            settings["ClusterId"] = $"ra-physical-restored-{Guid.NewGuid():N}";
            await using var after = SiloProcess.Start(settings);
            await after.WaitReadyAsync();
            using (var http = after.TenantClient(tenant, AdminKey))
            {
                await Step(http, "R-1", "label", new { carrier = "UPS", trackingNumber = "1Z1" });
                await Step(http, "R-2", "carrier-events", new { kind = "InTransit" });
                await ReturnScenario.CreateRmaAsync(http, "R-3");
                await WaitDeliveredAsync(http, receiver, erp, tenant, ["R-1", "R-2", "R-3"], settlements: 0);
            }
        }
        finally
        {
            await TestEnvironment.RunServicesScriptAsync("pg-stop", targetCluster);
            await TestEnvironment.RunServicesScriptAsync("pg-stop", sourceCluster);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Waits until the receiver has every event of <paramref name="rmas"/>, the ERP <paramref name="settlements"/> credit memos
    /// and the read model each return's status; then checks that each was seen once and in each return's seq order.</summary>
    private static async Task WaitDeliveredAsync(HttpClient http, WebhookReceiver receiver, ErpReceiver erp, string tenant, string[] rmas,
        int settlements)
    {
        // Events may still be appended while this waits (the ERP's answer moves a settlement on): read the logs again until the
        // receiver has caught up with what they hold, and compare only then.
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(erp.Of(tenant).Count(r => r.Status == 201) >= settlements));
        var (expected, statuses) = await LoggedAsync(http, rmas);
        await ReturnScenario.WaitUntilAsync(async () =>
        {
            (expected, statuses) = await LoggedAsync(http, rmas);
            return receiver.Received.Count >= expected.Count;
        });
        await Task.Delay(1000);
        (expected, statuses) = await LoggedAsync(http, rmas);
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count >= expected.Count));
        await ReturnScenario.WaitUntilAsync(async () =>
        {
            var items = JsonNode.Parse(await http.GetStringAsync("/v1/rmas?limit=200"))!["items"]!.AsArray();
            return rmas.All(rma => items.Any(i => i!["rmaId"]!.GetValue<string>() == rma && i["status"]!.GetValue<string>() == statuses[rma]));
        });

        var received = receiver.Received.ToList();
        Assert.Empty(receiver.Failures);
        Assert.Equal(expected.Order(), received.Select(r => (r.Rma, r.Seq)).Order());
        Assert.Equal(received.Count, received.Select(r => r.WebhookId).Distinct().Count());
        foreach (var rma in rmas)
        {
            var seqs = received.Where(r => r.Rma == rma).Select(r => r.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }

        var credited = erp.Of(tenant).Where(r => r.Status == 201).ToList();
        Assert.Equal(settlements, credited.Count);
        Assert.Equal(settlements, credited.Select(r => r.IdempotencyKey).Distinct().Count());
    }

    /// <summary>Every logged (return, seq) of <paramref name="rmas"/> and each return's status; every chain verifies.</summary>
    private static async Task<(List<(string Rma, long Seq)> Events, Dictionary<string, string> Statuses)> LoggedAsync(HttpClient http, string[] rmas)
    {
        var events = new List<(string Rma, long Seq)>();
        var statuses = new Dictionary<string, string>();
        foreach (var rma in rmas)
        {
            var logged = JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray();
            events.AddRange(logged.Select(e => (rma, e!["seq"]!.GetValue<long>())));
            statuses[rma] = JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}"))!["status"]!.GetValue<string>();
            var chain = JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events/verify"))!;
            Assert.True(chain["valid"]!.GetValue<bool>(), $"{rma}: {chain}");
        }

        return (events, statuses);
    }

    private static async Task Step(HttpClient http, string rma, string action, object body)
    {
        using var response = await http.PostAsJsonAsync($"/v1/rmas/{rma}/{action}", body);
        Assert.True(response.IsSuccessStatusCode, $"{rma} {action}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<(int ExitCode, string Output)> ScriptAsync(string script, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var (exitCode, stdout, stderr) = await TestEnvironment.RunProcessAsync("bash",
            [Path.Combine(TestEnvironment.RepositoryRoot, "scripts", script), .. arguments], environment);
        return (exitCode, stdout + stderr);
    }
}
