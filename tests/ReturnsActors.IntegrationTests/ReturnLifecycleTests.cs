using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.Infrastructure.ApiExpectations;

namespace ReturnsActors.IntegrationTests;

/// <summary>A return driven over HTTP through a Cluster-profile silo: grain state, the event log and the
/// order catalog in the real PostgreSQL.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ReturnLifecycleTests : IAsyncLifetime
{
    private const string AdminKey = "ra_lifecycle_test_admin_key_0123456789";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_lifecycle");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task DefectiveReturn_RequestToClosed_IsLoggedHashChainedInPostgres_AndSurvivesARestart()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"lifecycle-{Guid.NewGuid():N}", AdminKey);
        // The automatic advice channel would append recommendation.issued on its own schedule, racing the trail counts below.
        settings["Connectors:Advisory:Enabled"] = "false";
        var silo = SiloProcess.Start(settings);
        await using (silo)
        {
            await silo.WaitReadyAsync();
            var http = silo.TenantClient("acme", AdminKey);
            await Expect(HttpStatusCode.OK, http.PutAsJsonAsync("/v1/orders/ORD-77", new
            {
                channel = "web",
                deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
                currency = "EUR",
                customerEmail = "kim@example.com",
                customerLanguage = "de",
                customerTier = "Gold",
                lines = new[] { new { orderLineId = "1", sku = "SKU-DRILL", category = "tools", quantity = 2, unitPrice = 80m, serialNumbers = Array.Empty<string>(), warrantyMonths = 24 } },
            }));
            // The contact, tier and warranty come back from PostgreSQL as loaded (the tier normalised).
            using (var order = JsonDocument.Parse(await (await Expect(HttpStatusCode.OK, http.GetAsync("/v1/orders/ORD-77"))).Content.ReadAsStringAsync()))
            {
                var root = order.RootElement;
                Assert.Equal(("kim@example.com", "de", "gold"), (root.GetProperty("customerEmail").GetString(), root.GetProperty("customerLanguage").GetString(),
                    root.GetProperty("customerTier").GetString()));
                Assert.Equal(24, root.GetProperty("lines")[0].GetProperty("warrantyMonths").GetInt32());
            }

            var created = await Expect(HttpStatusCode.Created, http.PostAsJsonAsync("/v1/rmas", new
            {
                rmaId = "RMA-77",
                orderId = "ORD-77",
                lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "BROKEN", reasonClass = "Defect" } },
            }));
            Assert.Equal("/v1/rmas/RMA-77", created.Headers.Location?.OriginalString);

            // More than was ordered cannot be returned: eligibility uses the order catalog in PostgreSQL.
            await Expect(HttpStatusCode.UnprocessableEntity, http.PostAsJsonAsync("/v1/rmas", new
            {
                rmaId = "RMA-78",
                orderId = "ORD-77",
                lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } },
            }), HttpStatusCode.Conflict);

            await Step(http, "label", new { carrier = "UPS", trackingNumber = "1Z999" });
            // Delivered before in-transit: applied by meaning, not rejected.
            await Step(http, "carrier-events", new { kind = "Delivered" });
            await Step(http, "carrier-events", new { kind = "InTransit" });
            await Step(http, "receive", new { lines = new[] { new { lineId = "L1", quantity = 2 } }, final = true });
            await Step(http, "inspect", new { lines = new[] { new { lineId = "L1", grade = "D", conditionNotes = "motor burnt" } } });
            await Step(http, "disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } });
            await Step(http, "settle", new { kind = "CreditMemo" });
            await Step(http, "confirm-settlement", new { reference = "CM-1" });
            var closed = await Step(http, "close", new { });
            Assert.Equal("Closed", closed.GetProperty("status").GetString());

            // An illegal transition is a 409 problem, not a 500.
            await Expect(HttpStatusCode.Conflict, http.PostAsJsonAsync("/v1/rmas/RMA-77/approve", new { }));
        }

        // The event log in PostgreSQL holds the whole chain, in order, linked by hashes.
        var logged = await ReadEventLogAsync();
        Assert.Equal("return.requested", logged[0].Type);
        Assert.Equal("return.closed", logged[^1].Type);
        AssertGapFreeAndChained(logged);

        // The log is append-only: the database itself refuses to rewrite history.
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var tamper = new NpgsqlCommand("UPDATE rma_events SET type = 'return.declined' WHERE seq = 1", connection);
            await Assert.ThrowsAsync<PostgresException>(() => tamper.ExecuteNonQueryAsync());
        }

        Assert.Equal(0, (await VerifyCliAsync()).ExitCode);

        // A new silo process reads the same return back from PostgreSQL, its chain still valid.
        await using var restarted = SiloProcess.Start(settings);
        await restarted.WaitReadyAsync();
        var again = restarted.TenantClient("acme", AdminKey);
        var rma = await again.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-77");
        Assert.Equal("Closed", rma.GetProperty("status").GetString());
        var verify = await again.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-77/events/verify");
        Assert.True(verify.GetProperty("valid").GetBoolean());

        // Someone with the database owner's rights switches the guard off and edits history: verify names the row.
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var forge = new NpgsqlCommand("""
                ALTER TABLE rma_events DISABLE TRIGGER rma_events_immutable;
                UPDATE rma_events SET data_json = replace(data_json, '1Z999', '1Z000') WHERE rma_id = 'RMA-77' AND type = 'label.created';
                ALTER TABLE rma_events ENABLE TRIGGER rma_events_immutable;
                """, connection);
            await forge.ExecuteNonQueryAsync();
        }

        var labelSeq = logged.Single(e => e.Type == "label.created").Seq;
        var tampered = await again.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-77/events/verify");
        Assert.False(tampered.GetProperty("valid").GetBoolean());
        // The log is the record: the grain keeps no second copy of history, its check reads the log too (and its head).
        Assert.Equal(labelSeq, tampered.GetProperty("grain").GetProperty("firstBrokenSeq").GetInt64());
        Assert.Equal(labelSeq, tampered.GetProperty("log").GetProperty("firstBrokenSeq").GetInt64());
        var cli = await VerifyCliAsync();
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains($"BROKEN at seq {labelSeq}", cli.Output);
        var events = await again.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-77/events");
        Assert.Equal(logged.Count, events.GetProperty("events").GetArrayLength());

        // Another tenant sees nothing.
        using var other = new HttpRequestMessage(HttpMethod.Get, "/v1/rmas/RMA-77");
        other.Headers.Add("X-Tenant-Id", "someone-else");
        using var otherResponse = await restarted.Http.SendAsync(WithKey(other));
        Assert.Equal(HttpStatusCode.NotFound, otherResponse.StatusCode);
    }

    /// <summary>The log is the record: a command appends its events and writes no grain state; a snapshot is written every
    /// <c>Returns:SnapshotEvery</c> events and at a graceful stop. After a kill -9 the next activation folds the log's tail after
    /// the last snapshot, without a gap or a duplicate, and an applied Idempotency-Key is still recognised.</summary>
    [Fact]
    public async Task ACommandAppendsOnly_SnapshotsComeEveryNEvents_AndACrashLosesNothingAndDuplicatesNothing()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"write-path-{Guid.NewGuid():N}", AdminKey);
        // Automatic advice would be one more command (events) on its own schedule.
        settings["Connectors:Advisory:Enabled"] = "false";
        settings["Returns:SnapshotEvery"] = "5";
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            using var http = first.TenantClient("acme", AdminKey);
            await Expect(HttpStatusCode.OK, http.PutAsJsonAsync("/v1/orders/ORD-W1", new
            {
                channel = "web",
                deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
                currency = "EUR",
                lines = new[] { new { orderLineId = "1", sku = "SKU-LAMP", category = "home", quantity = 1, unitPrice = 40m, serialNumbers = Array.Empty<string>() } },
            }));
            await Expect(HttpStatusCode.Created, http.PostAsJsonAsync("/v1/rmas", new
            {
                rmaId = "RMA-W1",
                orderId = "ORD-W1",
                lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "TOO_DIM", reasonClass = "Convenience" } },
            }));
            Assert.Null(await ReadStateAsync());

            await Note(http, "first");
            await Note(http, "second");
            // Seq 1-4 are in the log; no command wrote grain state.
            Assert.Equal(4, (await ReadEventLogAsync("RMA-W1")).Count);
            Assert.Null(await ReadStateAsync());
            await Note(http, "third");
            // Seq 5 makes five events since the (absent) snapshot: one snapshot, at the log's head, carrying no events.
            var snapshot = await ReadStateAsync();
            Assert.Equal((5L, 0), (snapshot?.LastSeq, snapshot?.Events));
            await Note(http, "fourth", "key-fourth");
            Assert.Equal(snapshot?.Version, (await ReadStateAsync())?.Version);

            first.KillHard();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the first silo did not die");
        }

        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using (var http = second.TenantClient("acme", AdminKey))
        {
            var verify = await http.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-W1/events/verify");
            Assert.True(verify.GetProperty("valid").GetBoolean(), verify.ToString());
            Assert.Equal(6, verify.GetProperty("grain").GetProperty("checkedThroughSeq").GetInt64());
            // The fourth note is in the log's tail after the snapshot: its key is recognised from the command id folded from the log.
            using var replayed = await Note(http, "fourth", "key-fourth");
            Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
            await Note(http, "fifth");
        }

        var log = await ReadEventLogAsync("RMA-W1");
        AssertGapFreeAndChained(log);
        Assert.Equal(5, log.Count(e => e.Type == "note.added"));

        // A graceful stop writes the snapshot at the head, so the next activation has no tail to fold.
        second.Terminate();
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the second silo did not stop");
        Assert.Equal(log[^1].Seq, (await ReadStateAsync())?.LastSeq);
    }

    private static void AssertGapFreeAndChained(List<(long Seq, string Type, string PrevHash, string Hash)> log)
    {
        Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Seq));
        for (var i = 1; i < log.Count; i++)
        {
            Assert.Equal(log[i - 1].Hash, log[i].PrevHash);
        }
    }

    private static async Task<HttpResponseMessage> Note(HttpClient http, string text, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/rmas/RMA-W1/notes") { Content = JsonContent.Create(new { text }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    /// <summary>The return's snapshot row (grain state): its version (one per write), the seq it was taken at and the events it carries.</summary>
    private async Task<(int Version, long LastSeq, int Events)?> ReadStateAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version, convert_from(payload, 'UTF8') FROM orleans_grain_state WHERE payload IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var json = JsonDocument.Parse(reader.GetString(1));
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && Property(root, "RmaId") is { ValueKind: JsonValueKind.String } id && id.GetString() == "RMA-W1")
            {
                return (reader.GetInt32(0), Property(root, "LastSeq")!.Value.GetInt64(),
                    Property(root, "Events") is { ValueKind: JsonValueKind.Array } events ? events.GetArrayLength() : 0);
            }
        }

        return null;
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.EnumerateObject().Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();

    /// <summary>The operator's command: <c>ReturnsActors.Silo verify acme RMA-77</c>.</summary>
    private async Task<(int ExitCode, string Output)> VerifyCliAsync()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [TestEnvironment.SiloAssembly, "verify", "acme", "RMA-77"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ReturnsActors__Postgres__ConnectionString"] = _database;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static HttpRequestMessage WithKey(HttpRequestMessage request)
    {
        request.Headers.Add("X-Api-Key", AdminKey);
        return request;
    }

    private static async Task<JsonElement> Step(HttpClient http, string action, object body)
    {
        var response = await Expect(HttpStatusCode.OK, http.PostAsJsonAsync($"/v1/rmas/RMA-77/{action}", body));
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<List<(long Seq, string Type, string PrevHash, string Hash)>> ReadEventLogAsync(string rmaId = "RMA-77")
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT seq, type, prev_hash, hash FROM rma_events WHERE tenant_id = 'acme' AND rma_id = @rma ORDER BY seq", connection);
        command.Parameters.AddWithValue("rma", rmaId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }
}
