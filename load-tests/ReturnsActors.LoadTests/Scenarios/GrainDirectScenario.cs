using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using ReturnsActors.Grains.Rma;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>The runtime's own ceiling: the same durable command as <c>rma-write</c>, sent straight to the grains through
/// an Orleans client (no HTTP, no auth, no idempotency store). Settings: <c>gateway</c> (host:port of one silo's gateway,
/// e.g. the Embedded 127.0.0.1:30000) or <c>redis</c> (the Cluster profile's membership), <c>clusterId</c>, <c>serviceId</c>,
/// <c>tenant</c> (default demo), <c>returns</c> (pool size, seeded over HTTP first).</summary>
public sealed class GrainDirectScenario : IScenarioFactory
{
    public string Name => "grain-direct";

    public string Description => "AddNote straight to RmaGrain through an Orleans client over a seeded pool: the runtime's ceiling beside rma-write.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var pool = context.Setting("returns", 200);
        var tenant = context.Setting("tenant", "demo");
        var prefix = $"LT{ReturnsRequests.RunId}-G";
        IHost? host = null;
        IClusterClient? client = null;

        return Scenario.Create(
                context.ScenarioName,
                new Step("note", async s =>
                {
                    var grain = client!.GetGrain<IRmaGrain>($"{tenant}/{prefix}-R-{s.IterationNumber % pool}");
                    var result = await grain.AddNoteAsync(new AddRmaNote(Guid.NewGuid().ToString("N"), "loadtest", $"note {s.IterationNumber}"));
                    return result.Rejection is null ? StepResult.Ok("ok") : StepResult.Fail(result.Rejection.Code, 0, result.Rejection.Detail);
                }))
            .WithInit(async ct =>
            {
                await RmaWriteScenario.SeedReturnsAsync(context.Http, prefix, pool, ct);
                host = BuildClient(context);
                await host.StartAsync(ct);
                client = host.Services.GetRequiredService<IClusterClient>();
            })
            .WithClean(async ct =>
            {
                if (host is not null)
                {
                    await host.StopAsync(ct);
                    host.Dispose();
                }
            });
    }

    private static IHost BuildClient(ScenarioFactoryContext context)
    {
        var redis = context.Setting<string?>("redis", null);
        var gateway = context.Setting("gateway", "127.0.0.1:30000");
        var clusterId = context.Setting("clusterId", "returnsactors-dev");
        var serviceId = context.Setting("serviceId", "returnsactors");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            if (redis is not null)
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            }
            else
            {
                var endpoint = IPEndPoint.Parse(gateway);
                client.UseStaticClustering(endpoint);
            }
        });
        return builder.Build();
    }
}
