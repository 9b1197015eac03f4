using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>The operator CLI against a running silo: create a tenant, issue a key that then works, revoke it.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class OperatorCliTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task Cli_CreatesATenant_IssuesAKeyThatWorks_AndRevokesIt()
    {
        var silo = await api.GetAsync();
        var url = silo.Http.BaseAddress!.ToString();
        var tenant = ApiRequests.NewTenantId();

        var created = await SiloCli.RunAsync("tenant", "create", "--id", tenant, "--name", "CLI Co", "--url", url);
        Assert.Equal(0, created.ExitCode);

        var issued = await SiloCli.RunAsync("key", "issue", "--tenant", tenant, "--name", "ops", "--role", "viewer", "--url", url);
        Assert.Equal(0, issued.ExitCode);
        var body = JsonDocument.Parse(issued.Output[issued.Output.IndexOf('{')..]).RootElement;
        var key = body.GetProperty("key").GetString()!;
        var keyId = body.GetProperty("keyId").GetString()!;
        using (var read = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key))
        {
            Assert.Equal(200, (int)read.StatusCode);
        }

        Assert.Equal(0, (await SiloCli.RunAsync("key", "revoke", "--tenant", tenant, "--key-id", keyId, "--url", url)).ExitCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int status;
        do
        {
            using var read = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key);
            status = (int)read.StatusCode;
        }
        while (status != 401 && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(401, status);

        var usage = await SiloCli.RunAsync("key", "issue", "--tenant", tenant);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--name", usage.Output);
        var refused = await SiloCli.RunAsync("tenant", "create", "--id", "Not A Tenant", "--name", "x", "--url", url);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("422", refused.Output);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(250);
        return true;
    }
}
