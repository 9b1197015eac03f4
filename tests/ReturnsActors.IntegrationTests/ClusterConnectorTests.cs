using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Cluster connectors keep their checkpoints in PostgreSQL (V0012): after a silo restart no milestone mail is sent twice, and
/// the next silo carries on with the milestones logged after the restart.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterConnectorTests() : OwnClusterDatabase("ra_connectors", "ra_connector_cluster_test_admin_key_0123")
{
    private static readonly string[] Milestones =
        ["return.authorized", "label.created", "return.declined", "settlement.refund_issued", "settlement.credit_issued", "return.closed"];

    [Fact]
    public async Task MilestoneMails_AreNotSentTwiceAfterASiloRestart_AndTheNextSiloCarriesOnFromTheCheckpoint()
    {
        var port = SmtpSink.FreePort();
        var settings = ClusterSettings();
        settings["Notifications:Smtp:Host"] = "127.0.0.1";
        settings["Notifications:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Notifications:Smtp:From"] = "returns@shop.example";
        settings["Notifications:Recipient"] = "customer@example.org";
        var tenant = ApiRequests.NewTenantId();
        await using var sink = SmtpSink.Start(port);
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            using var http = first.TenantClient(tenant, AdminKey);
            (await http.PutAsJsonAsync("/v1/notifications/settings", new { defaultLanguage = "de-CH" })).EnsureSuccessStatusCode();
            await ReturnScenario.LoadOrderAsync(http);
            await ReturnScenario.CreateRmaAsync(http, "R-1");
            (await http.PostAsJsonAsync("/v1/rmas/R-1/label", new { carrier = "UPS", trackingNumber = "1Z1" })).EnsureSuccessStatusCode();
            var first1 = await MilestonesAsync(http, "R-1");
            await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Count >= first1.Count));
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        // The checkpoint rows are in PostgreSQL.
        await using (var connection = new NpgsqlConnection(Database))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM connector_checkpoints WHERE tenant_id = @t AND channel = 'email'", connection);
            count.Parameters.AddWithValue("t", tenant);
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
        }

        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = second.TenantClient(tenant, AdminKey);
        Assert.Equal("de-ch", JsonNode.Parse(await client.GetStringAsync("/v1/notifications/settings"))!["defaultLanguage"]!.GetValue<string>());
        await ReturnScenario.CreateRmaAsync(client, "R-2");
        var expected = (await MilestonesAsync(client, "R-1")).Count + (await MilestonesAsync(client, "R-2")).Count;
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Count >= expected));
        await Task.Delay(1500);
        var mails = sink.Store.Messages.ToList();
        Assert.Equal(expected, mails.Count);
        Assert.Equal(mails.Count, mails.Select(m => m.MessageId).Distinct().Count());
        // Notifications:Recipient (development) receives every mail; the order has no language, so the tenant's de-CH falls to de.
        Assert.All(mails, m => Assert.Equal("customer@example.org", m.To.Mailboxes.Single().Address));
        Assert.Contains(mails, m => m.Subject == "Ihr Retourenetikett für R-1");
    }

    private static async Task<List<string>> MilestonesAsync(HttpClient http, string rma) =>
        JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray()
            .Select(e => e!["type"]!.GetValue<string>()).Where(Milestones.Contains).ToList();
}
