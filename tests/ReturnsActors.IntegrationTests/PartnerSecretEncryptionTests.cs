using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.PartnerAdapterTests;

namespace ReturnsActors.IntegrationTests;

/// <summary>Partner signing secrets are encrypted with Data Protection before they reach grain state; the key ring is in PostgreSQL
/// (V0030), so a restarted (or another) silo still verifies signatures with them.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class PartnerSecretEncryptionTests : IAsyncLifetime
{
    private const string AdminKey = "ra_secret_encryption_test_admin_key_0123";

    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_secrets");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task PartnerSecret_IsNotInTheGrainStateRow_AndStillVerifiesSignaturesAfterASiloRestart()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"secrets-{Guid.NewGuid():N}", AdminKey);
        var tenant = ApiRequests.NewTenantId();
        var sample = Sample("easypost-tracker-updated-in-transit.json");
        await SetSecretOnAFirstSiloAsync(settings, tenant, sample);

        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            var payloads = await TestEnvironment.GrainStatePayloadsAsync(_database);
            Assert.Contains(payloads, p => p.Contains("\"easypost\":\"dp1:", StringComparison.Ordinal));
            Assert.DoesNotContain(payloads, p => p.Contains(Secret, StringComparison.Ordinal));
            await using var keys = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", connection);
            Assert.True((long)(await keys.ExecuteScalarAsync())! >= 1);
        }

        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = second.TenantClient(tenant, AdminKey);
        await AssertVerifiedAsync(client, tenant, sample);
        using var forged = await PostAsync(client, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac("another-secret-0123456789", sample)}"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task KeyRing_WithACertificate_IsEncryptedInPostgres_ReadByAnotherSiloWithIt_AndUnreadableWithoutIt()
    {
        using var files = new TestCertificates();
        using var certificate = TestCertificates.SelfSigned("returnsactors-data-protection", clientAuth: false);
        var settings = SiloProcess.ClusterSettings(_database, $"keyring-{Guid.NewGuid():N}", AdminKey);
        settings["DataProtection:CertificateFile"] = files.WritePfx(certificate, "data-protection", "key-ring-pfx-password");
        settings["DataProtection:CertificatePassword_FILE"] = files.WriteText("key-ring-password", "key-ring-pfx-password\n");
        var tenant = ApiRequests.NewTenantId();
        var sample = Sample("easypost-tracker-updated-in-transit.json");
        await SetSecretOnAFirstSiloAsync(settings, tenant, sample);

        var keys = await KeyRingAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<encryptedSecret", xml);
            Assert.Contains(Convert.ToBase64String(certificate.RawData), xml);
            Assert.DoesNotContain("<masterKey", xml);
            Assert.DoesNotContain("<value>", xml);
        });

        await using (var second = SiloProcess.Start(settings))
        {
            await second.WaitReadyAsync();
            using var client = second.TenantClient(tenant, AdminKey);
            await AssertVerifiedAsync(client, tenant, sample);
            second.Terminate();
            Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the second silo did not stop");
        }

        settings.Remove("DataProtection:CertificateFile");
        settings.Remove("DataProtection:CertificatePassword_FILE");
        await using var without = SiloProcess.Start(settings);
        await without.WaitReadyAsync();
        using var blind = without.TenantClient(tenant, AdminKey);
        using var unreadable = await PostAsync(blind, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}"));
        Assert.Equal(HttpStatusCode.Unauthorized, unreadable.StatusCode);
    }

    /// <summary>Starts a silo, sets the tenant's easypost secret, checks a signature with it, and stops the silo.</summary>
    private static async Task SetSecretOnAFirstSiloAsync(Dictionary<string, string> settings, string tenant, string sample)
    {
        await using var first = SiloProcess.Start(settings);
        await first.WaitReadyAsync();
        using var http = first.TenantClient(tenant, AdminKey);
        using (var set = await http.PutAsJsonAsync("/v1/inbound/easypost/secret", new { secret = Secret }))
        {
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        }

        await AssertVerifiedAsync(http, tenant, sample);
        first.Terminate();
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
    }

    private async Task<List<string>> KeyRingAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>A correctly signed event for a parcel no return has: past the signature check it is parked as tracking.unknown.</summary>
    private static async Task AssertVerifiedAsync(HttpClient http, string tenant, string sample)
    {
        using var response = await PostAsync(http, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
        Assert.Equal("tracking.unknown", JsonDocument.Parse(text).RootElement.GetProperty("problem").GetProperty("code").GetString());
    }
}
