using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A Kestrel server on a random 127.0.0.1 port (or the loopback <c>address</c> given) standing in for a partner (a webhook
/// subscriber, an ERP).</summary>
internal static class LoopbackServer
{
    /// <summary>Starts an app with the endpoints <paramref name="map"/> adds; the app and its base address.</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(Action<WebApplication> map, string address = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}

/// <summary>Keeps the requests <see cref="When"/> matches waiting until <see cref="Release"/> (a receiver that hangs).</summary>
internal sealed class HoldGate
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public volatile Func<JsonNode, bool>? When;

    /// <summary>How many requests are waiting now.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Release() => _released.TrySetResult();

    public async Task PassAsync(JsonNode body)
    {
        if (When?.Invoke(body) != true)
        {
            return;
        }

        Interlocked.Increment(ref _held);
        try
        {
            await _released.Task;
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }
}
