using System.Text;
using Npgsql;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The returns read model in PostgreSQL (table rma_read), searched with keyset paging.</summary>
internal sealed class PostgresRmaReadModel(NpgsqlDataSource dataSource) : IRmaReadModel
{
    private const string Columns = """
        rma_id, order_id, channel, status, on_hold, warehouse, reason_classes, sla_state, next_due_at,
        settlement_total, currency, created_at, updated_at, version, customer_id
        """;

    public async Task UpsertAsync(string tenantId, RmaSummary row, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO rma_read (tenant_id, rma_id, order_id, channel, status, on_hold, warehouse, reason_classes, sla_state,
                                  next_due_at, settlement_total, currency, created_at, updated_at, version, customer_id)
            VALUES (@tenant, @rma, @order, @channel, @status, @hold, @warehouse, @reasons, @sla, @due, @total, @currency, @created, @updated, @version, @customer)
            ON CONFLICT (tenant_id, rma_id) DO UPDATE SET
                order_id = EXCLUDED.order_id, channel = EXCLUDED.channel, status = EXCLUDED.status, on_hold = EXCLUDED.on_hold,
                warehouse = COALESCE(EXCLUDED.warehouse, rma_read.warehouse), reason_classes = EXCLUDED.reason_classes,
                sla_state = EXCLUDED.sla_state, next_due_at = EXCLUDED.next_due_at, settlement_total = EXCLUDED.settlement_total,
                currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
                customer_id = COALESCE(EXCLUDED.customer_id, rma_read.customer_id)
            WHERE rma_read.version <= EXCLUDED.version
            """);
        var p = command.Parameters;
        p.AddWithValue("tenant", tenantId);
        p.AddWithValue("rma", row.RmaId);
        p.AddWithValue("order", row.OrderId);
        p.AddWithValue("channel", row.Channel);
        p.AddWithValue("status", row.Status.ToString());
        p.AddWithValue("hold", row.OnHold);
        p.AddWithValue("warehouse", (object?)row.Warehouse ?? DBNull.Value);
        p.AddWithValue("reasons", row.ReasonClasses.Select(r => r.ToString()).ToArray());
        p.AddWithValue("sla", row.SlaState.ToString());
        p.AddWithValue("due", (object?)row.NextDueAt?.UtcDateTime ?? DBNull.Value);
        p.AddWithValue("total", (object?)row.SettlementTotal?.Amount ?? DBNull.Value);
        p.AddWithValue("currency", (object?)row.SettlementTotal?.Currency ?? DBNull.Value);
        p.AddWithValue("created", row.CreatedAt.UtcDateTime);
        p.AddWithValue("updated", row.UpdatedAt.UtcDateTime);
        p.AddWithValue("version", row.Version);
        p.AddWithValue("customer", (object?)row.CustomerId ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(IReadOnlyList<RmaSummary> Items, RmaCursor? Next)> SearchAsync(RmaSearch search, CancellationToken cancellationToken = default)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM rma_read WHERE tenant_id = @tenant");
        await using var command = dataSource.CreateCommand();
        var p = command.Parameters;
        p.AddWithValue("tenant", search.TenantId);
        void Filter(string clause, string name, object value)
        {
            sql.Append(" AND ").Append(clause);
            p.AddWithValue(name, value);
        }

        if (search.Status is { } status) Filter("status = @status", "status", status.ToString());
        if (search.Channel is { } channel) Filter("channel = @channel", "channel", channel);
        if (search.Warehouse is { } warehouse) Filter("warehouse = @warehouse", "warehouse", warehouse);
        if (search.ReasonClass is { } reason) Filter("@reason = ANY (reason_classes)", "reason", reason.ToString());
        if (search.OrderId is { } order) Filter("order_id = @order", "order", order);
        if (search.CustomerId is { } customer) Filter("customer_id = @customer", "customer", customer);
        if (search.SlaState is { } sla) Filter("sla_state = @sla", "sla", sla.ToString());
        if (search.CreatedAfter is { } after) Filter("created_at >= @after", "after", after.UtcDateTime);
        if (search.CreatedBefore is { } before) Filter("created_at < @before", "before", before.UtcDateTime);
        if (search.After is { } cursor)
        {
            sql.Append(" AND (created_at, rma_id) < (@cursor_at, @cursor_id)");
            p.AddWithValue("cursor_at", cursor.CreatedAt.UtcDateTime);
            p.AddWithValue("cursor_id", cursor.RmaId);
        }

        sql.Append(" ORDER BY created_at DESC, rma_id DESC LIMIT @limit");
        p.AddWithValue("limit", search.Limit + 1);
        command.CommandText = sql.ToString();

        var items = await ReadRowsAsync(command, cancellationToken);
        return Page(items, search.Limit);
    }

    public async Task<IReadOnlyList<RmaSummary>> ListForKpisAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM rma_read
            WHERE tenant_id = @tenant AND created_at < @to AND (status <> ALL (@finished) OR updated_at >= @from)
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("to", to.UtcDateTime);
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("finished", RmaOpenness.Finished.Select(s => s.ToString()).ToArray());
        return await ReadRowsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<RmaStatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT tenant_id, status, count(*) FROM rma_read GROUP BY tenant_id, status");
        var counts = new List<RmaStatusCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new RmaStatusCount(reader.GetString(0), Enum.Parse<RmaStatus>(reader.GetString(1)), reader.GetInt64(2)));
        }

        return counts;
    }

    private static async Task<List<RmaSummary>> ReadRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<RmaSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Money? total = reader.IsDBNull(9) ? null : new Money(reader.GetDecimal(9), reader.GetString(10).Trim());
            items.Add(new RmaSummary(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), Enum.Parse<RmaStatus>(reader.GetString(3)), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<string[]>(6).Select(Enum.Parse<ReasonClass>).ToList(),
                Enum.Parse<RmaSlaState>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : new DateTimeOffset(reader.GetDateTime(8), TimeSpan.Zero),
                total,
                new DateTimeOffset(reader.GetDateTime(11), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(12), TimeSpan.Zero),
                reader.GetInt64(13),
                reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return items;
    }

    private static (IReadOnlyList<RmaSummary>, RmaCursor?) Page(List<RmaSummary> items, int limit)
    {
        if (items.Count <= limit)
        {
            return (items, null);
        }

        items.RemoveAt(items.Count - 1);
        return (items, new RmaCursor(items[^1].CreatedAt, items[^1].RmaId));
    }
}
