using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ReturnsActors.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminKey = "ra_failover_test_admin_key_0123456789";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_failover");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task GrainState_WrittenThroughSiloA_SurvivesKill9_AndIsReadBackThroughSiloB()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"failover-{Guid.NewGuid():N}", AdminKey);

        // A starts alone, so the tenant grain can only be activated (and its state written) on A.
        await using var siloA = SiloProcess.Start(settings);
        await siloA.WaitReadyAsync();
        var created = await Send(siloA.Http, HttpMethod.Post, "/v1/tenants", new { tenantId = "failover-co", displayName = "Failover Co" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var siloB = SiloProcess.Start(settings);
        await siloB.WaitReadyAsync();

        siloA.KillHard();
        Assert.True(await siloA.WaitForExitAsync(TimeSpan.FromSeconds(10)), "silo A did not die");
        var killedAt = Stopwatch.StartNew();

        // Until the cluster votes A out, B's directory may still point at A: retry within a bounded time.
        HttpResponseMessage? read = null;
        while (killedAt.Elapsed < TimeSpan.FromSeconds(60))
        {
            read = await Send(siloB.Http, HttpMethod.Get, "/v1/tenants/failover-co");
            if (read.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            await Task.Delay(500);
        }

        output.WriteLine($"read back through silo B {killedAt.Elapsed.TotalSeconds:F1} s after kill -9 of silo A");
        Assert.NotNull(read);
        Assert.True(read.StatusCode == HttpStatusCode.OK, $"silo B answered {read.StatusCode} for 60 s after A was killed.\n{siloB.Output}");
        var tenant = await read.Content.ReadFromJsonAsync<TenantBody>();
        Assert.Equal("Failover Co", tenant!.DisplayName);
        Assert.Equal(1, tenant.Version);
    }

    private static async Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", AdminKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        try
        {
            return await http.SendAsync(request);
        }
        catch (TaskCanceledException)
        {
            return new HttpResponseMessage(HttpStatusCode.GatewayTimeout);
        }
    }

    private sealed record TenantBody(string TenantId, string DisplayName, int Version);
}
