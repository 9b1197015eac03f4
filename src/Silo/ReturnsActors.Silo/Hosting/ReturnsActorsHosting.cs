using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.DeadLetters;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.Ingest;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Telemetry;
using ReturnsActors.Silo.Health;
using ReturnsActors.Silo.Observability;
using ReturnsActors.Silo.Persistence;
using ReturnsActors.Silo.Projections;
using ReturnsActors.Silo.Settings;
using ReturnsActors.Silo.Advisory;
using ReturnsActors.Silo.Connectors;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Hosting;

internal static partial class ReturnsActorsHosting
{
    public const string ReadyTag = "ready";

    /// <summary>Everything a silo runs: settings, Orleans, the API, health, telemetry.</summary>
    public static ReturnsActorsSettings AddReturnsActors(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddReturnsSecretFiles();
        var settings = SettingsLoader.Load(builder.Configuration);
        var certificates = SiloCertificates.Load(settings);
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(certificates);

        builder.ConfigureReturnsKestrel(settings, certificates);
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20 + settings.Shutdown.DrainSeconds));

        builder.AddReturnsOrleans(settings, certificates);
        if (settings.Profile == HostingProfile.Cluster)
        {
            // Before AddReturnsApi, which falls back to the in-memory store.
            services.AddSingleton<IIdempotencyStore, PostgresIdempotencyStore>();
            services.AddSingleton<IDeadLetterStore, PostgresDeadLetterStore>();
        }

        services.AddSingleton(new IngestOptions
        {
            MaxBatchEvents = settings.Ingest.MaxBatchEvents,
            MaxConcurrentRequests = settings.Ingest.MaxConcurrentRequests,
            Parallelism = settings.Ingest.Parallelism,
            SignatureTolerance = TimeSpan.FromSeconds(settings.Ingest.SignatureToleranceSeconds),
        });

        services.AddReturnsApi(new ReturnsApiOptions
        {
            BootstrapAdminKey = settings.Bootstrap.AdminApiKey,
            Jwt = new JwtOptions { Issuer = settings.Jwt.Issuer, Audience = settings.Jwt.Audience, SigningKey = settings.Jwt.SigningKey },
            RateLimitPermitsPerSecond = settings.RateLimits.PermitsPerSecond,
            RateLimitBurst = settings.RateLimits.Burst,
            ApiKeyCacheDuration = TimeSpan.FromSeconds(settings.ApiKeys.CacheSeconds),
            IdempotencyRetention = TimeSpan.FromHours(settings.Idempotency.RetentionHours),
        });
        services.AddReturnsGrains();

        services.AddSingleton<ReadinessGate>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadinessGate>());
        var health = services.AddHealthChecks()
            .Add(new HealthCheckRegistration("silo", sp => sp.GetRequiredService<ReadinessGate>(), HealthStatus.Unhealthy, [ReadyTag]));

        services.AddReturnsPersistence(settings, certificates, health);
        services.AddReturnsWebhooks(settings);
        services.AddReturnsConnectors(settings);
        services.AddReturnsAdvisory(settings);
        services.AddHostedService<RmaProjector>();
        services.AddHostedService<BusinessMetricsSampler>();
        builder.AddReturnsTelemetry(settings);
        services.AddSecretRedaction(SecretRedactor.From(settings));
        return settings;
    }

    private static void AddReturnsTelemetry(this WebApplicationBuilder builder, ReturnsActorsSettings settings)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("returnsactors-silo", serviceInstanceId: settings.Silo.Name ?? $"{Environment.MachineName}-{settings.Silo.SiloPort}"))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", Telemetry.SourceName))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Microsoft.Orleans", Telemetry.SourceName)
                .AddPrometheusExporter());
        if (!string.IsNullOrEmpty(settings.Telemetry.OtlpEndpoint))
        {
            var endpoint = new Uri(settings.Telemetry.OtlpEndpoint);
            // Logs go out as they are written: our log messages carry ids (tenant, return, key id), never a secret,
            // a customer's note or an address (tested: an API key never reaches the log).
            var http = settings.Telemetry.OtlpProtocol == "http";
            void Configure(OpenTelemetry.Exporter.OtlpExporterOptions o, string signal)
            {
                // Over HTTP an endpoint set in code is used as the full URL, so each signal gets its own path.
                o.Protocol = http ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
                o.Endpoint = http ? new Uri(endpoint, $"/v1/{signal}") : endpoint;
            }

            otel.WithTracing(t => t.AddOtlpExporter(o => Configure(o, "traces")))
                .WithMetrics(m => m.AddOtlpExporter(o => Configure(o, "metrics")))
                .WithLogging(l => l.AddOtlpExporter(o => Configure(o, "logs")));
        }
    }

    /// <summary>Health, metrics, the dashboard and the API.</summary>
    public static WebApplication MapReturnsActors(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<ReturnsActorsSettings>();
        app.UseReturnsTransportSecurity(settings);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseReturnsApi();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteHealth });
        app.MapPrometheusScrapingEndpoint("/metrics");

        if (settings.Dashboard.Enabled)
        {
            var dashboard = app.MapOrleansDashboard(routePrefix: "/dashboard").ExcludeFromDescription();
            if (settings.Profile != HostingProfile.Embedded)
            {
                // The dashboard has no authentication of its own: outside Embedded only admins see grain internals.
                dashboard.RequireAuthorization(Policies.PlatformAdmin);
            }
        }

        app.MapReturnsApi();
        app.MapOpsPage();
        return app;
    }

    /// <summary>Runs before the silo starts: the schema must exist before Orleans reads its named queries.</summary>
    public static async Task PrepareAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var settings = app.Services.GetRequiredService<ReturnsActorsSettings>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ReturnsActors");
        if (settings.Profile == HostingProfile.Embedded)
        {
            LogEmbedded(logger, settings.Http.Port);
            return;
        }

        var migrator = app.Services.GetRequiredService<SchemaMigrator>();
        if (settings.Postgres.MigrateOnStart)
        {
            await migrator.MigrateWithRetryAsync(logger, cancellationToken);
        }
        else
        {
            // Not a schema change: a database restored into another cluster must get its new log epoch before anything is appended.
            await migrator.RebaseLogAsync(cancellationToken);
        }
    }

    private static async Task MigrateWithRetryAsync(this SchemaMigrator migrator, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (DateTime.UtcNow < deadline && ex.IsTransient)
            {
                LogWaitingForPostgres(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken);
            }
        }
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded profile: localhost clustering, in-memory state and reminders. NOTHING IS DURABLE: every return is lost when this process stops. Use the Cluster profile for real work. API on port {Port}.")]
    private static partial void LogEmbedded(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaitingForPostgres(ILogger logger, int attempt, string reason);
}

/// <summary>The project's own activity source and meter name (the instruments are in <see cref="ReturnsMetrics"/>).</summary>
public static class Telemetry
{
    public const string SourceName = ReturnsMetrics.MeterName;
}
