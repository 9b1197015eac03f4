using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;
using static ReturnsActors.IntegrationTests.Infrastructure.ApiExpectations;
using static ReturnsActors.IntegrationTests.PartnerAdapterTests;

namespace ReturnsActors.IntegrationTests;

/// <summary>Upgrade from the previous release: a database dumped by it (Fixtures/release-*.dump, made by
/// scripts/make-release-fixture.sh) is restored, this build's <c>migrate</c> runs on it, and a silo of this build carries on: the old
/// returns read the same, their histories keep their order and hashes, the old API key, partner secret and webhook secret still work,
/// and open returns go on.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ReleaseUpgradeTests
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Every kept release fixture (its manifest's file name).</summary>
    public static TheoryData<string> Releases() =>
        new(Directory.GetFiles(FixtureDirectory, "release-*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    /// <summary>What each open return of the fixture is made to do now, and the status it must reach.</summary>
    private static readonly (string Rma, string Action, object Body, string Status)[] CarryOn =
    [
        ("FX-UNDER-REVIEW", "approve", new { note = "after the upgrade" }, "Authorized"),
        ("FX-DELIVERED", "receive", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true, warehouse = "wh-fx" }, "Received"),
        ("FX-DISPOSITIONED", "settle", new { kind = "RefundOriginalPayment" }, "PendingSettlement"),
        ("FX-VENDOR-CLAIM", "settle", new { kind = "CreditMemo" }, "PendingSettlement"),
        ("FX-PENDING-SETTLEMENT", "confirm-settlement", new { reference = "CM-UPGRADE" }, "Resolved"),
        ("FX-ON-HOLD", "release-hold", new { note = "after the upgrade" }, "AwaitingShipment"),
        ("FX-CLOSED", "reopen", new { reason = "after the upgrade" }, "Resolved"),
    ];

    [Theory]
    [MemberData(nameof(Releases))]
    public async Task PreviousReleaseDatabase_AfterMigrate_ReadsTheSame_AndCarriesOn(string manifestFile)
    {
        var fixture = JsonSerializer.Deserialize<ReleaseFixture>(File.ReadAllText(Path.Combine(FixtureDirectory, manifestFile)), JsonSerializerOptions.Web)!;
        Assert.True(DateTimeOffset.UtcNow < fixture.QuietUntil,
            $"{manifestFile} was made {fixture.CreatedAt:yyyy-MM-dd}: its SLA deadlines come due after {fixture.QuietUntil:yyyy-MM-dd} and would add events. "
            + "Make a new one with scripts/make-release-fixture.sh at the last release's commit.");
        var database = await TestEnvironment.CreateDatabaseAsync("ra_upgrade");
        try
        {
            await RestoreAsync(Path.ChangeExtension(Path.Combine(FixtureDirectory, manifestFile), ".dump"), database);
            // The old release stored the webhook secret encrypted with its Data Protection keys (in the dump too), not in the clear.
            Assert.Equal(0, await TestEnvironment.CountAsync(database,
                $"SELECT count(*) FROM webhook_subscriptions WHERE secret NOT LIKE 'dp1:%' OR secret LIKE '%{fixture.Webhook.Secret}%'"));
            // Its key expires 90 days after it was made, long before the dump is retired: expire it now, so that the secrets are read
            // as they will be then (an expired key still decrypts; a new one is made for what is encrypted from now on).
            await TestEnvironment.ExecuteAsync(database, """
                UPDATE data_protection_keys
                SET xml = regexp_replace(xml, '<expirationDate>[^<]*', '<expirationDate>' || substring(xml from '<activationDate>([^<]*)'))
                """);
            Assert.NotEqual(0, await TestEnvironment.CountAsync(database, """
                SELECT count(*) FROM data_protection_keys
                WHERE position('<expirationDate>' || substring(xml from '<activationDate>([^<]*)') || '<' in xml) > 0
                """));
            var (migrated, migrateOutput) = await SiloProcess.RunCommandAsync(new Dictionary<string, string>(), "migrate", "--postgres", database);
            Assert.True(migrated == 0, migrateOutput);
            Assert.Equal(SchemaMigrator.Migrations.Count, await TestEnvironment.CountAsync(database, "SELECT count(*) FROM ra_schema_migrations"));

            var webhookUri = new Uri(fixture.Webhook.Url);
            await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status204NoContent, $"http://{webhookUri.Authority}");
            receiver.Secrets.Add(fixture.Webhook.Secret);
            var settings = OwnEmbeddedSilo.FastRetries(SiloProcess.ClusterSettings(database, $"ra-upgrade-{Guid.NewGuid():N}", fixture.AdminKey));
            settings["ServiceId"] = fixture.ServiceId;
            settings["Postgres:MigrateOnStart"] = "false";
            settings["Webhooks:AllowLoopback"] = "true";
            await using var silo = SiloProcess.Start(settings);
            await silo.WaitReadyAsync();
            using var http = new HttpClient { BaseAddress = silo.Http.BaseAddress };
            http.DefaultRequestHeaders.Add("X-Api-Key", fixture.ApiKey);

            // The tenant's key issued by the previous release still authenticates (a forged one does not).
            await Ok(http.GetAsync($"/v1/tenants/{fixture.Tenant}"));
            using (var forged = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{fixture.Tenant}", fixture.ApiKey[..^4] + "0000"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            }

            foreach (var old in fixture.Returns)
            {
                await AssertReadsAsBeforeAsync(http, old, old.Status, old.EventCount);
            }

            var claims = await http.GetFromJsonAsync<JsonArray>($"/v1/suppliers/{fixture.SupplierId}/claims");
            Assert.Equal(fixture.Claims.Select(c => (c.ClaimId, c.Status, c.Lines)),
                claims!.Select(c => (c!["claimId"]!.GetValue<string>(), c["status"]!.GetValue<string>(), c["lines"]!.AsArray().Count)));
            var (verified, verifyOutput) = await SiloProcess.RunCommandAsync(new Dictionary<string, string>(),
                "verify", fixture.Tenant, fixture.Returns[^1].RmaId, "--postgres", database);
            Assert.True(verified == 0, verifyOutput);

            // Open returns go on: the carrier's partner secret stored by the previous release still verifies its webhook ...
            var delivered = JsonSerializer.Serialize(new { eventId = "upgrade-1", rmaId = "FX-IN-TRANSIT", status = "delivered" });
            await Ok(PostAsync(http, fixture.Tenant, "carrier", delivered,
                TimestampSigned(delivered, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), fixture.CarrierSecret)));
            // ... and the steps of every stage are taken.
            foreach (var (rma, action, body, _) in CarryOn)
            {
                await Ok(http.PostAsJsonAsync($"/v1/rmas/{rma}/{action}", body));
            }

            var expected = CarryOn.Select(c => (c.Rma, c.Status)).Append(("FX-IN-TRANSIT", "Delivered")).ToList();
            var newEvents = new List<(string Rma, long Seq)>();
            foreach (var (rma, status) in expected)
            {
                var old = fixture.Returns.Single(r => r.RmaId == rma);
                var events = await AssertReadsAsBeforeAsync(http, old, status, old.EventCount + 1);
                newEvents.AddRange(events.Skip(old.EventCount).Select(e => (rma, e!["seq"]!.GetValue<long>())));
            }

            // The subscription made by the previous release delivers what happened since, signed with its old secret.
            await ReturnScenario.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count >= newEvents.Count));
            Assert.Empty(receiver.Failures);
            Assert.Equal(newEvents.Order(), receiver.Received.Select(r => (r.Rma, r.Seq)).Order());

            // A new return is checked against the policy version the previous release published.
            await ReturnScenario.LoadOrderAsync(http, "O-FX-AFTER-UPGRADE");
            await ReturnScenario.CreateRmaAsync(http, "FX-AFTER-UPGRADE", "O-FX-AFTER-UPGRADE");
            var created = await http.GetFromJsonAsync<JsonObject>("/v1/rmas/FX-AFTER-UPGRADE");
            Assert.Equal(("Authorized", fixture.PolicyVersion), (created!["status"]!.GetValue<string>(), created["policyVersion"]!.GetValue<int>()));
        }
        finally
        {
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }

    /// <summary>Checks that <paramref name="old"/> reads with <paramref name="status"/>, keeps its first events (types, order and last
    /// hash as the previous release recorded them) with at least <paramref name="minEvents"/> in all, verifies, and is listed by the read
    /// model under that status; its events.</summary>
    private static async Task<JsonArray> AssertReadsAsBeforeAsync(HttpClient http, FixtureReturn old, string status, int minEvents)
    {
        var view = await http.GetFromJsonAsync<JsonObject>($"/v1/rmas/{old.RmaId}");
        Assert.Equal((old.RmaId, status), (old.RmaId, view!["status"]!.GetValue<string>()));
        var events = (await http.GetFromJsonAsync<JsonObject>($"/v1/rmas/{old.RmaId}/events"))!["events"]!.AsArray();
        Assert.True(events.Count >= minEvents, $"{old.RmaId}: {events.Count} events, expected at least {minEvents}");
        if (minEvents == old.EventCount)
        {
            Assert.Equal(old.EventCount, events.Count);
            Assert.Equal(old.OnHold, view["onHold"]!.GetValue<bool>());
            Assert.Equal(old.WarehouseId, view["warehouseId"]?.GetValue<string>());
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e!["seq"]!.GetValue<long>()));
        Assert.Equal(old.EventTypes, events.Take(old.EventCount).Select(e => e!["type"]!.GetValue<string>()));
        Assert.Equal(old.LastHash, events[old.EventCount - 1]!["hash"]!.GetValue<string>());
        var chain = await http.GetFromJsonAsync<JsonObject>($"/v1/rmas/{old.RmaId}/events/verify");
        Assert.True(chain!["valid"]!.GetValue<bool>(), $"{old.RmaId}: {chain}");
        await ReturnScenario.WaitUntilAsync(async () =>
            (await http.GetFromJsonAsync<JsonObject>($"/v1/rmas?status={status}&limit=200"))!["items"]!.AsArray()
            .Any(i => i!["rmaId"]!.GetValue<string>() == old.RmaId));
        return events;
    }

    /// <summary>pg_restore of the newest PostgreSQL installed (it reads dumps of every older one) into <paramref name="database"/>.</summary>
    private static async Task RestoreAsync(string dump, string database)
    {
        var pgRestore = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin", "pg_restore"))
            .Where(File.Exists)
            .OrderBy(p => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : new Version(0, 0))
            .LastOrDefault() ?? "pg_restore";
        var target = new NpgsqlConnectionStringBuilder(database);
        var (exitCode, stdout, stderr) = await TestEnvironment.RunProcessAsync(pgRestore,
            ["-h", target.Host!, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", target.Username!,
             "-d", target.Database!, "--no-owner", "--no-privileges", "--exit-on-error", dump],
            new Dictionary<string, string>());
        Assert.True(exitCode == 0, $"pg_restore failed ({exitCode}): {stderr}{stdout}");
    }

    private sealed record ReleaseFixture(
        string Commit, DateTimeOffset CreatedAt, DateTimeOffset QuietUntil, string ServiceId, string AdminKey, string Tenant, string ApiKey,
        int PolicyVersion, string CarrierSecret, FixtureWebhook Webhook, string SupplierId, IReadOnlyList<FixtureClaim> Claims, IReadOnlyList<FixtureReturn> Returns);

    private sealed record FixtureWebhook(string SubscriptionId, string Url, string Secret);

    private sealed record FixtureClaim(string ClaimId, string Status, int Lines);

    private sealed record FixtureReturn(
        string RmaId, string Status, bool OnHold, string? WarehouseId, int EventCount, IReadOnlyList<string> EventTypes, string LastHash);
}
