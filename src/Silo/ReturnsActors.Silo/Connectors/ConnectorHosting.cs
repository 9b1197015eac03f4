using Microsoft.Extensions.Http.Resilience;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Connectors;

internal static class ConnectorHosting
{
    /// <summary>Outbound connectors: in order per (tenant, channel), checkpointed (PostgreSQL in Cluster, V0012), retried with backoff.
    /// A channel runs only when its settings name a target (SMTP host, ERP URL); the advisory channel (recommendations on new returns
    /// and exceptions, inside the cluster) runs unless <c>Connectors:Advisory:Enabled</c> is false.</summary>
    public static IServiceCollection AddReturnsConnectors(this IServiceCollection services, ReturnsActorsSettings settings)
    {
        services.AddHostedService<ConnectorDispatcher>();
        if (!string.IsNullOrWhiteSpace(settings.Notifications.Smtp.Host))
        {
            var smtp = settings.Notifications.Smtp;
            var recipient = settings.Notifications.Recipient;
            services.AddSingleton(new EmailNotificationOptions(smtp.Host, smtp.Port, smtp.UseTls, smtp.From, recipient.Length == 0 ? null : recipient));
            services.AddSingleton<IConnectorChannel, EmailNotificationChannel>();
        }

        if (!string.IsNullOrWhiteSpace(settings.Connectors.Erp.Url))
        {
            var erp = settings.Connectors.Erp;
            services.AddSingleton(new ErpConnectorOptions(new Uri(erp.Url), erp.ApiKey));
            services.AddHttpClient<ErpConnector>().AddStandardResilienceHandler(o => Configure(o, erp));
            services.AddSingleton<IConnectorChannel>(sp => sp.GetRequiredService<ErpConnector>());
        }

        // Claims go to many suppliers: the SSRF guard checks each target at connect time, and the pipeline (so its circuit
        // breaker) is per supplier host, so one supplier's outage does not hold up the others.
        var claims = settings.Connectors.SupplierClaims;
        services.Configure<ClaimSubmissionOptions>(o =>
        {
            o.MaxAttempts = claims.MaxAttempts;
            o.RetryBase = TimeSpan.FromMilliseconds(claims.RetryBaseMilliseconds);
            o.RetryMax = TimeSpan.FromSeconds(claims.RetryMaxSeconds);
            o.AttemptLease = TotalTimeout(claims) + TimeSpan.FromSeconds(30);
        });
        services.AddHttpClient<IVendorClaimSender, SupplierClaimSender>(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => SsrfGuard.CreateHandler(settings.Webhooks.AllowLoopback))
            .AddStandardResilienceHandler(o => Configure(o, claims)).SelectPipelineByAuthority();

        if (settings.Connectors.Advisory.Enabled)
        {
            services.AddSingleton<IConnectorChannel, AdvisoryChannel>();
        }

        return services;
    }

    private static void Configure(HttpStandardResilienceOptions o, HttpConnectorSettings c)
    {
        var attempt = TimeSpan.FromSeconds(c.TimeoutSeconds);
        var delay = TimeSpan.FromMilliseconds(c.RetryDelayMilliseconds);
        o.AttemptTimeout.Timeout = attempt;
        o.Retry.MaxRetryAttempts = Math.Max(c.Retries, 1);
        o.Retry.ShouldHandle = c.Retries == 0 ? _ => ValueTask.FromResult(false) : o.Retry.ShouldHandle;
        o.Retry.Delay = delay;
        o.Retry.MaxDelay = delay * 8;
        o.Retry.UseJitter = true;
        o.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        o.TotalRequestTimeout.Timeout = TotalTimeout(c);
        o.CircuitBreaker.SamplingDuration = attempt * 2 > TimeSpan.FromSeconds(30) ? attempt * 2 : TimeSpan.FromSeconds(30);
    }

    private static TimeSpan TotalTimeout(HttpConnectorSettings c) =>
        (TimeSpan.FromSeconds(c.TimeoutSeconds) + TimeSpan.FromMilliseconds(c.RetryDelayMilliseconds) * 8) * (c.Retries + 1);
}
