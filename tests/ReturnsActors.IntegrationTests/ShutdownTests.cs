using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ShutdownTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_shutdown");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task Sigterm_TurnsReadinessFalseFirst_KeepsServingWhileDraining_AndLeavesTheClusterCleanly()
    {
        var clusterId = $"shutdown-{Guid.NewGuid():N}";
        var settings = SiloProcess.ClusterSettings(_database, clusterId, "ra_shutdown_test_admin_key_0123456789");
        settings["Shutdown:DrainSeconds"] = "4";
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();

        silo.Terminate();

        // While draining: not ready, still alive, still answering requests.
        await silo.WaitForStatusAsync("/health/ready", 503, TimeSpan.FromSeconds(3));
        using (var live = await silo.Http.GetAsync("/health/live"))
        {
            Assert.Equal(200, (int)live.StatusCode);
        }

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(40)), "the silo did not stop after SIGTERM");
        Assert.Equal(0, silo.ExitCode);

        // Orleans marks a cleanly stopped silo Dead (6) in the membership table itself; nobody had to vote it out.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var entries = await redis.GetDatabase().HashGetAllAsync($"returnsactors-tests/members/{clusterId}");
        var statuses = entries.Where(e => e.Name != "Version")
            .Select(e => JsonDocument.Parse(e.Value.ToString()).RootElement.GetProperty("Status").GetInt32())
            .ToList();
        Assert.Equal([6], statuses);
    }
}
