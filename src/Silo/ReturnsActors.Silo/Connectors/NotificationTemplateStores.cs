using Npgsql;
using ReturnsActors.Api.Notifications;

namespace ReturnsActors.Silo.Connectors;

/// <summary>Embedded: tenants' template overrides in memory.</summary>
internal sealed class InMemoryNotificationTemplateStore : INotificationTemplateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Language, string Type), NotificationTemplate> _templates = [];

    public Task PutAsync(string tenantId, string language, string eventType, NotificationTemplate template, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _templates[(tenantId, language, eventType)] = template;
        }

        return Task.CompletedTask;
    }

    public Task<NotificationTemplate?> GetAsync(string tenantId, string language, string eventType, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_templates.GetValueOrDefault((tenantId, language, eventType)));
        }
    }
}

/// <summary>Cluster: tenants' template overrides in <c>notification_templates</c> (V0012).</summary>
internal sealed class PostgresNotificationTemplateStore(NpgsqlDataSource dataSource) : INotificationTemplateStore
{
    public async Task PutAsync(string tenantId, string language, string eventType, NotificationTemplate template, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO notification_templates (tenant_id, language, event_type, subject, body) VALUES (@tenant, @language, @type, @subject, @body)
            ON CONFLICT (tenant_id, language, event_type) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = now()
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("language", language);
        command.Parameters.AddWithValue("type", eventType);
        command.Parameters.AddWithValue("subject", template.Subject!);
        command.Parameters.AddWithValue("body", template.Body!);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<NotificationTemplate?> GetAsync(string tenantId, string language, string eventType, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT subject, body FROM notification_templates WHERE tenant_id = @tenant AND language = @language AND event_type = @type");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("language", language);
        command.Parameters.AddWithValue("type", eventType);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new NotificationTemplate(reader.GetString(0), reader.GetString(1)) : null;
    }
}
