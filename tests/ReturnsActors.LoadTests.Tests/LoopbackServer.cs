using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReturnsActors.LoadTests.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 with a random port, shared by the HTTP tests.</summary>
public sealed class LoopbackServer : IAsyncLifetime
{
    public static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(300);

    /// <summary>The request number (1-based, per key) that <c>/stall-once/{key}</c> holds for <see cref="Stall"/>.</summary>
    public const int StalledRequest = 10;

    private readonly ConcurrentDictionary<string, int> _stallCounters = new();
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/ok", () => "ok");
        _app.MapGet("/fail", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
        _app.MapGet("/stall-once/{key}", async (string key) =>
        {
            if (_stallCounters.AddOrUpdate(key, 1, (_, n) => n + 1) == StalledRequest)
            {
                await Task.Delay(Stall);
            }

            return "ok";
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
