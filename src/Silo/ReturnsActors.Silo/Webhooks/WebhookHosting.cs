using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Webhooks;

internal static class WebhookHosting
{
    /// <summary>Outbound webhooks: signed, in order per subscription, through the SSRF guard (no redirects).</summary>
    public static IServiceCollection AddReturnsWebhooks(this IServiceCollection services, ReturnsActorsSettings settings)
    {
        services.AddSingleton(new WebhookApiOptions
        {
            AllowLoopback = settings.Webhooks.AllowLoopback,
            RotationOverlap = TimeSpan.FromHours(settings.Webhooks.RotationOverlapHours),
        });
        services.AddSingleton(new WebhookDeliveryOptions(TimeSpan.FromMilliseconds(settings.Webhooks.RetryBaseMilliseconds),
            TimeSpan.FromSeconds(settings.Webhooks.RetryMaxSeconds), TimeSpan.FromMilliseconds(settings.Webhooks.PollMilliseconds)));
        services.AddHttpClient<WebhookSender>(c => c.Timeout = TimeSpan.FromSeconds(settings.Webhooks.TimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(() => SsrfGuard.CreateHandler(settings.Webhooks.AllowLoopback));
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
