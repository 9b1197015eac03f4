using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Silo.Connectors;
using ReturnsActors.Silo.Health;
using ReturnsActors.Silo.Hosting;
using ReturnsActors.Silo.Projections;
using ReturnsActors.Silo.Settings;
using ReturnsActors.Silo.Webhooks;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Api.Audit;

namespace ReturnsActors.Silo.Persistence;

internal static class PersistenceHosting
{
    /// <summary>Where each store lives for the profile: in memory for Embedded (nothing durable), PostgreSQL (and Redis membership) for Cluster.</summary>
    public static IServiceCollection AddReturnsPersistence(this IServiceCollection services, ReturnsActorsSettings settings, SiloCertificates certificates, IHealthChecksBuilder health)
    {
        if (settings.Profile == HostingProfile.Embedded)
        {
            services.AddSingleton<IOrderCatalog, InMemoryOrderCatalog>();
            services.AddSingleton<ChannelRmaChangeFeed>();
            services.AddSingleton<IRmaChangeFeed>(sp => sp.GetRequiredService<ChannelRmaChangeFeed>());
            services.AddSingleton<IRmaEventLog, NotifyingRmaEventLog>();
            services.AddSingleton<IRmaReadModel, InMemoryRmaReadModel>();
            services.AddSingleton<InMemoryWebhookStore>();
            services.AddSingleton<IWebhookSubscriptionStore>(sp => sp.GetRequiredService<InMemoryWebhookStore>());
            services.AddSingleton<IWebhookOutbox>(sp => sp.GetRequiredService<InMemoryWebhookStore>());
            services.AddSingleton<IConnectorCheckpoints, InMemoryConnectorCheckpoints>();
            services.AddSingleton<INotificationTemplateStore, InMemoryNotificationTemplateStore>();
            services.AddReturnsDataProtection(durable: false, certificates.DataProtection, certificates.DataProtectionPrevious);
        }
        else
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(settings.Postgres.ConnectionString!));
            services.AddSingleton<SchemaMigrator>();
            services.AddSingleton<PostgresOrderSource>();
            services.AddSingleton<IOrderSource>(sp => sp.GetRequiredService<PostgresOrderSource>());
            services.AddSingleton<IOrderCatalog>(sp => sp.GetRequiredService<PostgresOrderSource>());
            services.AddSingleton<PostgresRmaEventLog>();
            services.AddSingleton<IRmaEventLog>(sp => sp.GetRequiredService<PostgresRmaEventLog>());
            services.AddSingleton<IRmaEventQuery>(sp => sp.GetRequiredService<PostgresRmaEventLog>());
            services.AddSingleton<IRmaChangeFeed, PostgresRmaChangeFeed>();
            services.AddSingleton<IRmaReadModel, PostgresRmaReadModel>();
            services.AddSingleton<PostgresWebhookStore>();
            services.AddSingleton<IWebhookSubscriptionStore>(sp => sp.GetRequiredService<PostgresWebhookStore>());
            services.AddSingleton<IWebhookOutbox>(sp => sp.GetRequiredService<PostgresWebhookStore>());
            services.AddSingleton<IConnectorCheckpoints, PostgresConnectorCheckpoints>();
            services.AddSingleton<INotificationTemplateStore, PostgresNotificationTemplateStore>();
            services.AddSingleton<IAccessAuditStore, PostgresAccessAuditStore>();
            services.AddReturnsDataProtection(durable: true, certificates.DataProtection, certificates.DataProtectionPrevious);
            services.AddSingleton(new RedisConnection(settings.Redis.ConnectionString!));
            health.AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [ReturnsActorsHosting.ReadyTag], TimeSpan.FromSeconds(5));
            health.AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, [ReturnsActorsHosting.ReadyTag], TimeSpan.FromSeconds(5));
        }

        return services;
    }
}
