using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>The README's first command: the Embedded silo with its demo walkthrough.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_WalksAReturnToClosed_WithAValidAuditChain_AndKeepsServing()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string>(), arguments: ["demo"]);
        await silo.WaitReadyAsync();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!silo.Output.Contains("demo: done") && !silo.Output.Contains("demo: stopped early") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Contains("demo: done", silo.Output);
        Assert.Contains("chain valid: True", silo.Output);
        Assert.Contains("return.closed", silo.Output);
        Assert.Contains("NOTHING IS DURABLE", silo.Output);
        using var ready = await silo.Http.GetAsync("/health/ready");
        Assert.Equal(200, (int)ready.StatusCode);
    }
}
