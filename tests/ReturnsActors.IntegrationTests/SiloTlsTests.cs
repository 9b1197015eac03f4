using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Hosting;
using StackExchange.Redis;

namespace ReturnsActors.IntegrationTests;

/// <summary>Silo-to-silo TLS (Microsoft.Orleans.Connections.Security) with mutual authentication by the cluster certificate: silos
/// holding it form one cluster and call each other's grains; a silo with another certificate, or with none, cannot join.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class SiloTlsTests : IAsyncLifetime, IDisposable
{
    private const string AdminKey = "ra_silo_tls_test_admin_key_0123456789";
    private const string ServiceId = "returnsactors-tests";
    private readonly TestCertificates _files = new();
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_silotls");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task SilosWithTheClusterCertificate_FormOneCluster_AndSilosWithAnotherOrNoCertificateCannotJoin()
    {
        using var ca = TestCertificates.CreateCa("ReturnsActors cluster CA");
        using var cluster = TestCertificates.Issue(ca, "silo.cluster.returnsactors.test", clientAuth: true);
        using var stranger = TestCertificates.SelfSigned("silo.stranger.returnsactors.test");
        var clusterPfx = _files.WritePfx(cluster, "cluster", "cluster-pfx-password");
        var strangerPfx = _files.WritePfx(stranger, "stranger", "cluster-pfx-password");
        var clusterId = $"silotls-{Guid.NewGuid():N}";
        Dictionary<string, string> Settings(string name, string? certificate)
        {
            var settings = SiloProcess.ClusterSettings(_database, clusterId, AdminKey);
            settings["Silo:Name"] = name;
            settings["Membership:MaxJoinAttemptTime"] = "00:00:15";
            if (certificate is not null)
            {
                settings["Silo:Tls:CertificateFile"] = certificate;
                settings["Silo:Tls:CertificatePassword"] = "cluster-pfx-password";
            }

            return settings;
        }

        await using var a = SiloProcess.Start(Settings("tls-a", clusterPfx));
        await a.WaitReadyAsync();
        var tenant = ApiRequests.NewTenantId();
        await a.Http.CreateTenantAsync(AdminKey, tenant);
        await using var b = SiloProcess.Start(Settings("tls-b", clusterPfx));
        await b.WaitReadyAsync();

        Assert.Equal(["tls-a", "tls-b"], await ActiveSilosAsync(clusterId));
        // The tenant grain lives on A: B reaches it over the TLS connection between the silos.
        using (var read = await b.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(tenant, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenantId").GetString());
        }

        await using var other = SiloProcess.Start(Settings("tls-stranger", strangerPfx));
        await using var plain = SiloProcess.Start(Settings("tls-plain", null));
        Assert.True(await other.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"a silo with another certificate kept running.\n{other.Output}");
        Assert.True(await plain.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"a silo without TLS kept running.\n{plain.Output}");
        Assert.NotEqual(0, other.ExitCode);
        Assert.NotEqual(0, plain.ExitCode);
        Assert.Equal(["tls-a", "tls-b"], await ActiveSilosAsync(clusterId));
        using var still = await b.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", AdminKey);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public void APeer_IsTrusted_WithTheSameCertificate_OrOneOfTheConfiguredCa_AndNothingElse()
    {
        using var ca = TestCertificates.CreateCa("ReturnsActors cluster CA");
        using var own = TestCertificates.Issue(ca, "silo-1.returnsactors.test", clientAuth: true);
        using var sibling = TestCertificates.Issue(ca, "silo-2.returnsactors.test", clientAuth: true);
        using var stranger = TestCertificates.SelfSigned("silo.stranger.returnsactors.test");
        using var samePublicPart = X509CertificateLoader.LoadCertificate(own.RawData);

        Assert.True(TransportSecurity.IsClusterPeer(samePublicPart, own, ca: null));
        Assert.False(TransportSecurity.IsClusterPeer(sibling, own, ca: null));
        Assert.True(TransportSecurity.IsClusterPeer(sibling, own, ca));
        Assert.False(TransportSecurity.IsClusterPeer(stranger, own, ca));
        Assert.False(TransportSecurity.IsClusterPeer(null, own, ca));
    }

    /// <summary>The names of the silos the membership table in Redis lists as Active.</summary>
    private static async Task<string[]> ActiveSilosAsync(string clusterId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var entries = await redis.GetDatabase().HashGetAllAsync($"{ServiceId}/members/{clusterId}");
        return entries.Where(e => e.Name != "Version")
            .Select(e => JsonDocument.Parse(e.Value.ToString()).RootElement)
            .Where(e => e.GetProperty("Status").GetInt32() == 3)
            .Select(e => e.GetProperty("SiloName").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}
