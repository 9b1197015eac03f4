using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_IsUnhealthyWhilePostgresIsStopped_AndHealthyAfterRestart_WhileLiveStaysHealthy()
    {
        // A private PostgreSQL, so stopping it disturbs no other test.
        var port = TestEnvironment.FreeTcpPort();
        var env = new Dictionary<string, string>
        {
            ["RA_PG_PORT"] = port.ToString(),
            ["RA_STATE_DIR"] = Path.Combine(Path.GetTempPath(), $"ra-readiness-{Guid.NewGuid():N}"),
        };
        await TestEnvironment.RunServicesScriptAsync("pg-start", env);
        try
        {
            var postgres = $"Host=127.0.0.1;Port={port};Username=postgres;Database=returnsactors;Timeout=3";
            await using var silo = SiloProcess.Start(SiloProcess.ClusterSettings(postgres, $"ready-{Guid.NewGuid():N}", "ra_readiness_test_admin_key_0123456789"));
            await silo.WaitReadyAsync();

            await TestEnvironment.RunServicesScriptAsync("pg-stop", env);
            await silo.WaitForStatusAsync("/health/ready", 503, TimeSpan.FromSeconds(30));
            await silo.WaitForStatusAsync("/health/live", 200, TimeSpan.FromSeconds(5));

            await TestEnvironment.RunServicesScriptAsync("pg-start", env);
            await silo.WaitForStatusAsync("/health/ready", 200, TimeSpan.FromSeconds(30));
            await silo.WaitForStatusAsync("/health/live", 200, TimeSpan.FromSeconds(5));
            Assert.False(silo.HasExited);
        }
        finally
        {
            await TestEnvironment.RunServicesScriptAsync("pg-stop", env);
            Directory.Delete(env["RA_STATE_DIR"], recursive: true);
        }
    }
}
