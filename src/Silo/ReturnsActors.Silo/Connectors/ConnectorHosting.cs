using ReturnsActors.Api.Connectors;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Connectors;

internal static class ConnectorHosting
{
    /// <summary>Outbound connectors: in order per (tenant, channel), checkpointed (PostgreSQL in Cluster, V0012), retried with backoff.
    /// A channel runs only when its settings name a target (SMTP host, ERP URL).</summary>
    public static IServiceCollection AddReturnsConnectors(this IServiceCollection services, ReturnsActorsSettings settings)
    {
        services.AddHostedService<ConnectorDispatcher>();
        services.AddSingleton<IConnectorDeliveryStore>(sp => sp.GetRequiredService<IConnectorCheckpoints>());
        var channels = new List<string>();
        if (!string.IsNullOrWhiteSpace(settings.Notifications.Smtp.Host))
        {
            var smtp = settings.Notifications.Smtp;
            var email = new EmailNotificationOptions(smtp.Host, smtp.Port, smtp.UseTls, smtp.From, settings.Notifications.Recipient, settings.Notifications.Language);
            services.AddSingleton<IConnectorChannel>(sp => new EmailNotificationChannel(email, sp.GetRequiredService<INotificationTemplateStore>()));
            channels.Add("email");
        }

        if (!string.IsNullOrWhiteSpace(settings.Connectors.Erp.Url))
        {
            var erp = settings.Connectors.Erp;
            services.AddSingleton(new ErpConnectorOptions(new Uri(erp.Url), erp.ApiKey));
            services.AddHttpClient<ErpConnector>().AddStandardResilienceHandler(o =>
            {
                var attempt = TimeSpan.FromSeconds(erp.TimeoutSeconds);
                var delay = TimeSpan.FromMilliseconds(erp.RetryDelayMilliseconds);
                o.AttemptTimeout.Timeout = attempt;
                o.Retry.MaxRetryAttempts = Math.Max(erp.Retries, 1);
                o.Retry.ShouldHandle = erp.Retries == 0 ? _ => ValueTask.FromResult(false) : o.Retry.ShouldHandle;
                o.Retry.Delay = delay;
                o.Retry.MaxDelay = delay * 8;
                o.Retry.UseJitter = true;
                o.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
                o.TotalRequestTimeout.Timeout = attempt * (erp.Retries + 1) + delay * 8 * (erp.Retries + 1);
                o.CircuitBreaker.SamplingDuration = attempt * 2 > TimeSpan.FromSeconds(30) ? attempt * 2 : TimeSpan.FromSeconds(30);
            });
            services.AddSingleton<IConnectorChannel>(sp => sp.GetRequiredService<ErpConnector>());
            channels.Add("erp");
        }

        services.AddSingleton(new ConnectorApiOptions { Channels = channels });
        return services;
    }
}
