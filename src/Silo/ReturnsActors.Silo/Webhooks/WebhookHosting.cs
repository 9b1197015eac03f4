using ReturnsActors.Adapters.Delivery;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Webhooks;

internal static class WebhookHosting
{
    /// <summary>Outbound webhooks: signed, in order per subscription, through the SSRF guard (no redirects), dead-lettered after
    /// <c>Webhooks:MaxAttempts</c>; in Cluster the delivery log is pruned after <c>Webhooks:RetentionHours</c>.</summary>
    public static IServiceCollection AddReturnsWebhooks(this IServiceCollection services, ReturnsActorsSettings settings)
    {
        services.AddSingleton(new WebhookApiOptions
        {
            AllowLoopback = settings.Webhooks.AllowLoopback,
            RotationOverlap = TimeSpan.FromHours(settings.Webhooks.RotationOverlapHours),
        });
        var webhooks = settings.Webhooks;
        services.AddSingleton(new WebhookDeliveryOptions(TimeSpan.FromMilliseconds(webhooks.RetryBaseMilliseconds),
            TimeSpan.FromSeconds(webhooks.RetryMaxSeconds), TimeSpan.FromMilliseconds(webhooks.PollMilliseconds), webhooks.MaxAttempts,
            TimeSpan.FromHours(webhooks.DisableAfterHours), webhooks.Parallelism));
        services.AddHttpClient<WebhookSender>(c => c.Timeout = TimeSpan.FromSeconds(settings.Webhooks.TimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(() => SsrfGuard.CreateHandler(settings.Webhooks.AllowLoopback));
        services.AddSingleton<IEventLogReader>(sp => sp.GetRequiredService<IWebhookOutbox>());
        services.AddSingleton<LogSubscriberEngine>();
        services.AddHostedService<WebhookDispatcher>();
        if (settings.Profile == HostingProfile.Cluster)
        {
            services.AddSingleton(new OutboundRetention(TimeSpan.FromHours(webhooks.RetentionHours), TimeSpan.FromSeconds(webhooks.PruneIntervalSeconds)));
            services.AddHostedService<OutboundPruner>();
        }

        return services;
    }
}
