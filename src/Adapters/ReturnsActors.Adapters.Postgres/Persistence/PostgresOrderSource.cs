using Npgsql;
using ReturnsActors.Grains.Orders;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The order catalog in PostgreSQL: what returns are checked against, loaded through <c>/v1/orders</c>.</summary>
internal sealed class PostgresOrderSource(NpgsqlDataSource dataSource) : IOrderSource, IOrderCatalog
{
    public async Task<OrderSnapshot?> GetOrderAsync(string tenantId, string orderId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT o.channel, o.delivered_at, o.currency, o.business_unit,
                   l.order_line_id, l.sku, l.category, l.quantity, l.unit_price, l.serial_numbers,
                   o.region, l.supplier_id, o.customer_id, o.customer_email, o.customer_language, o.customer_tier, l.warranty_months
            FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.order_id
            WHERE o.tenant_id = @tenant AND o.order_id = @order
            ORDER BY l.order_line_id
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("order", orderId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        OrderSnapshot? order = null;
        var lines = new List<OrderLine>();
        while (await reader.ReadAsync(cancellationToken))
        {
            order ??= new OrderSnapshot(tenantId, orderId, reader.GetString(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero),
                reader.GetString(2).Trim(), lines, reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(10) ? null : reader.GetString(10), NullableString(reader, 12), NullableString(reader, 13), NullableString(reader, 14),
                NullableString(reader, 15));
            lines.Add(new OrderLine(reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetInt32(7),
                reader.GetDecimal(8), reader.GetFieldValue<string[]>(9), NullableString(reader, 11), reader.IsDBNull(16) ? null : reader.GetInt32(16)));
        }

        return order;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public async Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO orders (tenant_id, order_id, channel, delivered_at, currency, business_unit, region, customer_id,
                                customer_email, customer_language, customer_tier, loaded_at)
            VALUES (@tenant, @order, @channel, @delivered, @currency, @bu, @region, @customer, @email, @language, @tier, now())
            ON CONFLICT (tenant_id, order_id) DO UPDATE
            SET channel = EXCLUDED.channel, delivered_at = EXCLUDED.delivered_at, currency = EXCLUDED.currency,
                business_unit = EXCLUDED.business_unit, region = EXCLUDED.region,
                customer_id = EXCLUDED.customer_id, customer_email = EXCLUDED.customer_email,
                customer_language = EXCLUDED.customer_language, customer_tier = EXCLUDED.customer_tier, loaded_at = now()
            """, connection, tx))
        {
            upsert.Parameters.AddWithValue("tenant", order.TenantId);
            upsert.Parameters.AddWithValue("order", order.OrderId);
            upsert.Parameters.AddWithValue("channel", order.Channel);
            upsert.Parameters.AddWithValue("delivered", order.DeliveredAt.UtcDateTime);
            upsert.Parameters.AddWithValue("currency", order.Currency);
            upsert.Parameters.AddWithValue("bu", (object?)order.BusinessUnit ?? DBNull.Value);
            upsert.Parameters.AddWithValue("region", (object?)order.Region ?? DBNull.Value);
            upsert.Parameters.AddWithValue("customer", (object?)order.CustomerId ?? DBNull.Value);
            upsert.Parameters.AddWithValue("email", (object?)order.CustomerEmail ?? DBNull.Value);
            upsert.Parameters.AddWithValue("language", (object?)order.CustomerLanguage ?? DBNull.Value);
            upsert.Parameters.AddWithValue("tier", (object?)order.CustomerTier ?? DBNull.Value);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var clear = new NpgsqlCommand("DELETE FROM order_lines WHERE tenant_id = @tenant AND order_id = @order", connection, tx))
        {
            clear.Parameters.AddWithValue("tenant", order.TenantId);
            clear.Parameters.AddWithValue("order", order.OrderId);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var lines = new NpgsqlCommand("""
            INSERT INTO order_lines (tenant_id, order_id, order_line_id, sku, category, quantity, unit_price, serial_numbers, supplier_id, warranty_months)
            SELECT @tenant, @order, l.id, l.sku, l.category, l.qty, l.price, string_to_array(l.serials, E'\x1f'), NULLIF(l.supplier, ''),
                   NULLIF(l.warranty, -1)
            FROM unnest(@ids, @skus, @categories, @qtys, @prices, @serials, @suppliers, @warranties)
                 AS l(id, sku, category, qty, price, serials, supplier, warranty)
            """, connection, tx))
        {
            lines.Parameters.AddWithValue("tenant", order.TenantId);
            lines.Parameters.AddWithValue("order", order.OrderId);
            lines.Parameters.AddWithValue("ids", order.Lines.Select(l => l.OrderLineId).ToArray());
            lines.Parameters.AddWithValue("skus", order.Lines.Select(l => l.Sku).ToArray());
            lines.Parameters.AddWithValue("categories", order.Lines.Select(l => l.Category).ToArray());
            lines.Parameters.AddWithValue("qtys", order.Lines.Select(l => l.Quantity).ToArray());
            lines.Parameters.AddWithValue("prices", order.Lines.Select(l => l.UnitPrice).ToArray());
            lines.Parameters.AddWithValue("serials", order.Lines.Select(l => string.Join('\x1f', l.SerialNumbers)).ToArray());
            lines.Parameters.AddWithValue("suppliers", order.Lines.Select(l => l.SupplierId ?? "").ToArray());
            lines.Parameters.AddWithValue("warranties", order.Lines.Select(l => l.WarrantyMonths ?? -1).ToArray());
            await lines.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }
}
