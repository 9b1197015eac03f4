using Npgsql;
using NpgsqlTypes;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>The queries webhook and connector dead letters share: a table keyed by (tenant_id, owner, id) with a <c>status</c> of
/// dead, queued or replayed. Parameters: <c>@tenant</c>, <c>@owner</c> (subscription or channel), <c>@letter</c>, <c>@status</c>, <c>@limit</c>.</summary>
internal sealed record DeadLetterTable(string Name, string OwnerColumn, string IdColumn, string Columns)
{
    /// <summary>The owner's dead letters, newest first, optionally of one status.</summary>
    public NpgsqlCommand List(NpgsqlDataSource dataSource, string tenantId, string owner, string? status, int limit)
    {
        var command = Command(dataSource, $"""
            SELECT {Columns} FROM {Name}
            WHERE tenant_id = @tenant AND {OwnerColumn} = @owner AND (@status::text IS NULL OR status = @status::text)
            ORDER BY dead_at DESC, {IdColumn} LIMIT @limit
            """, tenantId, owner);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)status ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        return command;
    }

    /// <summary>One statement: a dead letter becomes queued (the one named, or all when <paramref name="letter"/> is null); one named that
    /// is queued or replayed already comes back as it is.</summary>
    public NpgsqlCommand QueueReplay(NpgsqlDataSource dataSource, string tenantId, string owner, string? letter)
    {
        var command = Command(dataSource, $"""
            WITH queued AS (
                UPDATE {Name} SET status = 'queued'
                WHERE tenant_id = @tenant AND {OwnerColumn} = @owner AND status = 'dead' AND (@letter::text IS NULL OR {IdColumn} = @letter::text)
                RETURNING {Columns})
            SELECT * FROM queued
            UNION ALL
            SELECT {Columns} FROM {Name}
            WHERE @letter::text IS NOT NULL AND tenant_id = @tenant AND {OwnerColumn} = @owner AND {IdColumn} = @letter::text AND status <> 'dead'
            """, tenantId, owner);
        command.Parameters.Add(new NpgsqlParameter("letter", NpgsqlDbType.Text) { Value = (object?)letter ?? DBNull.Value });
        return command;
    }

    /// <summary>The owner's queued letters, oldest first, with <paramref name="extra"/> columns after <see cref="Columns"/>.</summary>
    public NpgsqlCommand Queued(NpgsqlDataSource dataSource, string tenantId, string owner, string extra) =>
        Command(dataSource, $"""
            SELECT {Columns}, {extra} FROM {Name}
            WHERE tenant_id = @tenant AND {OwnerColumn} = @owner AND status = 'queued' ORDER BY dead_at, {IdColumn} LIMIT 100
            """, tenantId, owner);

    private static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, string tenantId, string owner)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("owner", owner);
        return command;
    }
}
