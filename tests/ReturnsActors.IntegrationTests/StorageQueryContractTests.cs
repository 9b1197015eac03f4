using System.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.IntegrationTests;

/// <summary>Our named queries, called the way the Orleans ADO.NET providers call them: same parameter
/// names and DbTypes, same result columns. A provider upgrade that changes the contract fails here.</summary>
public sealed class StorageQueryContractTests : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _dataSource = null!;
    private readonly Dictionary<string, string> _queries = [];

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_contract");
        // A session time zone other than UTC: reminder times must not depend on it.
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_database) { Timezone = "Asia/Tokyo" }.ConnectionString);
        await new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        await using var command = _dataSource.CreateCommand("SELECT QueryKey, QueryText FROM OrleansQuery");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            _queries[reader.GetString(reader.GetOrdinal("QueryKey"))] = reader.GetString(reader.GetOrdinal("QueryText"));
        }
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task GrainState_WriteReadClear_FollowsETagRules()
    {
        Assert.Null(await ReadStateAsync("acme/rma-1"));

        var v1 = await WriteStateAsync("acme/rma-1", null, "{\"a\":1}"u8.ToArray());
        Assert.Equal(1, v1);
        var v2 = await WriteStateAsync("acme/rma-1", v1, "{\"a\":2}"u8.ToArray());
        Assert.Equal(2, v2);

        // A stale ETag (another activation wrote meanwhile) gets no new version: the provider raises a conflict.
        Assert.Null(await WriteStateAsync("acme/rma-1", v1, "{\"a\":3}"u8.ToArray()));
        // So does a first write when a row already exists.
        Assert.Null(await WriteStateAsync("acme/rma-1", null, "{\"a\":4}"u8.ToArray()));

        var read = await ReadStateAsync("acme/rma-1");
        Assert.Equal(2, read!.Value.Version);
        Assert.Equal("{\"a\":2}", System.Text.Encoding.UTF8.GetString(read.Value.Payload!));

        // Other grains with the same string key but another type, or another key, are separate rows.
        Assert.Null(await ReadStateAsync("acme/rma-2"));

        var cleared = await ScalarAsync("ClearStorageKey", c => GrainParameters(c, "acme/rma-1", 2));
        Assert.Equal(3, cleared);
        var afterClear = await ReadStateAsync("acme/rma-1");
        Assert.Null(afterClear!.Value.Payload);
        Assert.Equal(3, afterClear.Value.Version);
        Assert.Equal(4, await WriteStateAsync("acme/rma-1", 3, "{}"u8.ToArray()));

        Assert.Equal(5, await ScalarAsync("DeleteStorageKey", c => GrainParameters(c, "acme/rma-1", 4)));
        Assert.Null(await ReadStateAsync("acme/rma-1"));
    }

    [Fact]
    public async Task Reminders_UpsertReadRangeDelete_FollowTheRingAndVersions()
    {
        var start = new DateTime(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc);
        var v0 = await UpsertReminderAsync("rma/acme/1", "sla", start, TimeSpan.FromMinutes(5), grainHash: 100);
        var v1 = await UpsertReminderAsync("rma/acme/1", "sla", start.AddHours(1), TimeSpan.FromMinutes(10), grainHash: 100);
        Assert.Equal(v0 + 1, v1);
        await UpsertReminderAsync("rma/acme/2", "sla", start, TimeSpan.FromDays(40), grainHash: -200);
        await UpsertReminderAsync("rma/acme/3", "sla", start, TimeSpan.FromMinutes(1), grainHash: int.MaxValue);

        var row = Assert.Single(await ReadRemindersAsync("ReadReminderRowKey", c =>
        {
            Add(c, "ServiceId", "svc");
            Add(c, "GrainId", "rma/acme/1", DbType.AnsiString);
            Add(c, "ReminderName", "sla");
        }));
        Assert.Equal(start.AddHours(1), row.StartTime);
        Assert.Equal(DateTimeKind.Utc, row.StartTime.Kind);
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, row.PeriodMs);

        // (begin, end] in one piece, and wrapping around the ring.
        Assert.Equal(["rma/acme/1"], await RangeAsync("ReadRangeRows1Key", 0, 100));
        Assert.Equal(["rma/acme/2", "rma/acme/3"], await RangeAsync("ReadRangeRows2Key", 100, -200));
        Assert.Equal(["rma/acme/1", "rma/acme/2", "rma/acme/3"], await RangeAsync("ReadRangeRows2Key", 5, 5));

        // Deleting with a stale version does nothing; with the current one it deletes.
        Assert.False(await DeleteReminderAsync("rma/acme/1", "sla", v0));
        Assert.True(await DeleteReminderAsync("rma/acme/1", "sla", v1));
        Assert.Empty(await RangeAsync("ReadRangeRows1Key", 0, 100));
    }

    private async Task<int?> WriteStateAsync(string key, int? version, byte[] payload) =>
        await ScalarAsync("WriteToStorageKey", c =>
        {
            GrainParameters(c, key, version);
            Add(c, "PayloadBinary", payload);
        });

    private async Task<(byte[]? Payload, int Version)?> ReadStateAsync(string key)
    {
        await using var command = Command("ReadFromStorageKey", c => GrainParameters(c, key, null));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        var payloadOrdinal = reader.GetOrdinal("PayloadBinary");
        var payload = reader.IsDBNull(payloadOrdinal) ? null : (byte[])reader.GetValue(payloadOrdinal);
        return (payload, reader.GetInt32(reader.GetOrdinal("Version")));
    }

    private static void GrainParameters(NpgsqlCommand c, string key, int? version)
    {
        Add(c, "GrainIdHash", key.GetHashCode());
        Add(c, "GrainIdN0", 0L);
        Add(c, "GrainIdN1", 0L);
        Add(c, "GrainTypeHash", 42);
        Add(c, "GrainTypeString", "rma");
        Add(c, "GrainIdExtensionString", key);
        Add(c, "ServiceId", "svc");
        Add(c, "GrainStateVersion", version);
    }

    private async Task<int> UpsertReminderAsync(string grainId, string name, DateTime start, TimeSpan period, int grainHash)
    {
        await using var command = Command("UpsertReminderRowKey", c =>
        {
            Add(c, "ServiceId", "svc");
            Add(c, "GrainHash", grainHash);
            Add(c, "GrainId", grainId, DbType.AnsiString);
            Add(c, "ReminderName", name);
            Add(c, "StartTime", start);
            // The provider sends an int when the period fits, a long otherwise.
            if (period.TotalMilliseconds <= int.MaxValue)
            {
                Add(c, "Period", (int)period.TotalMilliseconds);
            }
            else
            {
                Add(c, "Period", (long)period.TotalMilliseconds);
            }
        });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return Convert.ToInt32(reader.GetValue(reader.GetOrdinal("Version")));
    }

    private async Task<string[]> RangeAsync(string query, int begin, int end) =>
        (await ReadRemindersAsync(query, c =>
        {
            Add(c, "ServiceId", "svc");
            Add(c, "BeginHash", begin);
            Add(c, "EndHash", end);
        })).Select(r => r.GrainId).Order(StringComparer.Ordinal).ToArray();

    private async Task<bool> DeleteReminderAsync(string grainId, string name, int version)
    {
        await using var command = Command("DeleteReminderRowKey", c =>
        {
            Add(c, "ServiceId", "svc");
            Add(c, "GrainId", grainId, DbType.AnsiString);
            Add(c, "ReminderName", name);
            Add(c, "Version", version);
        });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1, reader.FieldCount);
        return Convert.ToBoolean(reader.GetValue(0));
    }

    private async Task<List<(string GrainId, DateTime StartTime, long PeriodMs)>> ReadRemindersAsync(string query, Action<NpgsqlCommand> parameters)
    {
        var rows = new List<(string, DateTime, long)>();
        await using var command = Command(query, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Assert.Equal("sla", reader.GetString(reader.GetOrdinal("ReminderName")));
            rows.Add((reader.GetString(reader.GetOrdinal("GrainId")),
                DateTime.SpecifyKind(reader.GetDateTime(reader.GetOrdinal("StartTime")), DateTimeKind.Utc),
                reader.GetInt64(reader.GetOrdinal("Period"))));
        }

        return rows;
    }

    private async Task<int?> ScalarAsync(string query, Action<NpgsqlCommand> parameters)
    {
        await using var command = Command(query, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : Convert.ToInt32(value);
    }

    private NpgsqlCommand Command(string query, Action<NpgsqlCommand> parameters)
    {
        var command = _dataSource.CreateCommand(_queries[query]);
        parameters(command);
        return command;
    }

    /// <summary>As Orleans' DbExtensions.CreateParameter: DbType from the CLR type, DBNull for null.</summary>
    private static void Add<T>(NpgsqlCommand command, string name, T? value, DbType? dbType = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = (object?)value ?? DBNull.Value;
        parameter.DbType = dbType ?? DbTypeOf(typeof(T));
        command.Parameters.Add(parameter);
    }

    private static DbType DbTypeOf(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => DbType.Int32,
        var t when t == typeof(long) => DbType.Int64,
        var t when t == typeof(string) => DbType.String,
        var t when t == typeof(byte[]) => DbType.Binary,
        var t when t == typeof(DateTime) => DbType.DateTime,
        _ => throw new NotSupportedException(type.Name),
    };
}
