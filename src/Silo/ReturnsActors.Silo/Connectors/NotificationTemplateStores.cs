using Npgsql;
using ReturnsActors.Api.Notifications;

namespace ReturnsActors.Silo.Connectors;

/// <summary>Embedded: tenants' template overrides in memory.</summary>
internal sealed class InMemoryNotificationTemplateStore : INotificationTemplateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Language, string Type), NotificationTemplate> _templates = [];
    private readonly Dictionary<string, string> _defaultLanguages = [];

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

    public Task PutDefaultLanguageAsync(string tenantId, string language, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _defaultLanguages[tenantId] = language;
        }

        return Task.CompletedTask;
    }

    public Task<string?> GetDefaultLanguageAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_defaultLanguages.GetValueOrDefault(tenantId));
        }
    }
}

/// <summary>Cluster: tenants' template overrides in <c>notification_templates</c> (V0012), default languages in
/// <c>notification_settings</c> (V0019).</summary>
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

    public async Task PutDefaultLanguageAsync(string tenantId, string language, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO notification_settings (tenant_id, default_language) VALUES (@tenant, @language)
            ON CONFLICT (tenant_id) DO UPDATE SET default_language = excluded.default_language, updated_at = now()
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("language", language);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> GetDefaultLanguageAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT default_language FROM notification_settings WHERE tenant_id = @tenant");
        command.Parameters.AddWithValue("tenant", tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
