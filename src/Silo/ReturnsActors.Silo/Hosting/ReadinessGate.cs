using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Hosting;

/// <summary>Turns readiness false before anything stops, then waits <see cref="ShutdownSettings.DrainSeconds"/>
/// so a load balancer stops routing here while in-flight requests finish; only then do Kestrel and the silo stop.</summary>
internal sealed partial class ReadinessGate(ReturnsActorsSettings settings, ILogger<ReadinessGate> logger) : IHostedLifecycleService, IHealthCheck
{
    private volatile bool _ready;
    private volatile bool _stopping;

    public bool IsReady => _ready && !_stopping;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _ready = true;
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        LogDraining(settings.Shutdown.DrainSeconds);
        if (settings.Shutdown.DrainSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(settings.Shutdown.DrainSeconds), cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("shutting down")
            : _ready ? HealthCheckResult.Healthy("accepting work")
            : HealthCheckResult.Unhealthy("starting"));

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: readiness is false; draining for {Seconds} s before the server stops")]
    private partial void LogDraining(int seconds);
}
