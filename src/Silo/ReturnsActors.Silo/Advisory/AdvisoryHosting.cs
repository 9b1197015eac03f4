using Npgsql;
using ReturnsActors.Advisory;
using ReturnsActors.Api.Advisory;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Advisory;

internal static class AdvisoryHosting
{
    /// <summary>The advisory model store of the profile and the loader that keeps this silo on its active version.</summary>
    public static IServiceCollection AddReturnsAdvisory(this IServiceCollection services, ReturnsActorsSettings settings)
    {
        services.AddSingleton(sp => CreateStore(settings, settings.Profile == HostingProfile.Cluster ? sp.GetRequiredService<NpgsqlDataSource>() : null));
        services.AddHostedService<AdvisoryModelLoader>();
        return services;
    }

    /// <summary>PostgreSQL in the Cluster profile (with a copy in <c>Advisory:ModelDirectory</c> when set); the directory
    /// in Embedded when set; otherwise memory.</summary>
    public static IAdvisoryModelStore CreateStore(ReturnsActorsSettings settings, NpgsqlDataSource? postgres)
    {
        var directory = string.IsNullOrWhiteSpace(settings.Advisory.ModelDirectory) ? null : new DirectoryAdvisoryModelStore(settings.Advisory.ModelDirectory);
        return postgres is not null ? new PostgresAdvisoryModelStore(postgres, directory)
            : directory ?? (IAdvisoryModelStore)new InMemoryAdvisoryModelStore();
    }

    /// <summary>The active version; when there is none, trains the default one (seed 42) and activates it, one process at a time.</summary>
    public static async Task<ActiveAdvisoryModel> EnsureActiveAsync(this IAdvisoryModelStore store, TimeProvider time, Action<string> log, CancellationToken ct)
    {
        if (await store.GetActiveAsync(ct) is { } active)
        {
            return active;
        }

        await using (await store.LockAsync(ct))
        {
            if (await store.GetActiveAsync(ct) is { } trainedMeanwhile)
            {
                return trainedMeanwhile;
            }

            log($"No active advisory model in the {store.Source} store: training the first one (seed {AdvisoryArtifact.DefaultSeed}).");
            var artifact = await store.TrainAndActivateAsync(AdvisoryArtifact.DefaultSeed, AdvisoryEvaluation.DefaultReturns, time, ct);
            return await store.GetActiveAsync(ct) ?? throw new InvalidOperationException($"Advisory model {artifact.Version} was activated but is not active.");
        }
    }
}

/// <summary>Keeps this silo on the store's active version: loads it at start (training the first one when the store has
/// none), then every <c>Advisory:PollSeconds</c> checks whether another version was activated or a new evaluation stored,
/// and swaps without a restart. With the in-memory store it waits until the models are first asked for.</summary>
internal sealed partial class AdvisoryModelLoader(
    IAdvisoryModelStore store, AdvisoryModels models, ReturnsActorsSettings settings, TimeProvider time, ILogger<AdvisoryModelLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is InMemoryAdvisoryModelStore)
        {
            await models.Demanded.WaitAsync(stoppingToken);
        }

        var poll = TimeSpan.FromSeconds(settings.Advisory.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(logger, store.Source, ex);
            }

            await Task.Delay(poll, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        var active = await store.EnsureActiveAsync(time, message => LogTraining(logger, message), ct);
        if (active.Version == models.Version)
        {
            models.ShowEvaluation(active.Evaluation);
            return;
        }

        var bytes = await store.ReadAsync(active.Version, ct)
            ?? throw new InvalidOperationException($"The active advisory model {active.Version} is not in the {store.Source} store.");
        var artifact = await Task.Run(() => AdvisoryArtifact.FromBytes(bytes), ct);
        models.Use(artifact, active.ActivatedAt, time.GetUtcNow(), store.Source, active.Evaluation);
        LogLoaded(logger, artifact.Version, store.Source, artifact.Manifest.TrainedAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message}")]
    private static partial void LogTraining(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Advisory model {Version} loaded from the {Source} store (trained {TrainedAt:O}).")]
    private static partial void LogLoaded(ILogger logger, string version, string source, DateTimeOffset trainedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the advisory model from the {Source} store; keeping the one loaded.")]
    private static partial void LogRefreshFailed(ILogger logger, string source, Exception exception);
}
