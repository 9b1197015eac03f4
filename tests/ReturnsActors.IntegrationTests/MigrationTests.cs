using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.IntegrationTests;

public sealed class MigrationTests : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_migrations");
        _dataSource = NpgsqlDataSource.Create(_database);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task Migrations_AppliedTwice_LeaveTheSchemaUnchanged()
    {
        var migrator = new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance);

        var first = await migrator.MigrateAsync();
        var afterFirst = await SchemaSnapshotAsync();
        var second = await migrator.MigrateAsync();
        var afterSecond = await SchemaSnapshotAsync();

        Assert.Equal(SchemaMigrator.Migrations.Count, first.Count);
        Assert.Empty(second);
        Assert.Equal(afterFirst, afterSecond);
        Assert.Contains("orleans_grain_state.payload bytea", afterFirst);
        Assert.Contains("query WriteToStorageKey", afterFirst);
        Assert.Contains("query UpsertReminderRowKey", afterFirst);
    }

    [Fact]
    public async Task EveryScript_RunAgainByHand_IsIdempotent()
    {
        var migrator = new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync();
        var before = await SchemaSnapshotAsync();

        foreach (var migration in SchemaMigrator.Migrations)
        {
            await using var command = _dataSource.CreateCommand(migration.Sql);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(before, await SchemaSnapshotAsync());
    }

    [Fact]
    public async Task AppliedMigration_ThatWasEdited_IsRefused()
    {
        var migrator = new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync();
        await using (var tamper = _dataSource.CreateCommand("UPDATE ra_schema_migrations SET checksum = 'edited' WHERE version = 2"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync());
        Assert.Contains("V0002", error.Message);
    }

    [Fact]
    public async Task ConcurrentMigrations_FromManySilos_ApplyEachScriptOnce()
    {
        var migrators = Enumerable.Range(0, 4).Select(_ => new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance));

        var results = await Task.WhenAll(migrators.Select(m => m.MigrateAsync()));

        Assert.Equal(SchemaMigrator.Migrations.Count, results.Sum(r => r.Count));
    }

    /// <summary>Columns, indexes, constraints and the named queries: what a migration can change.</summary>
    private async Task<string> SchemaSnapshotAsync()
    {
        var lines = new List<string>();
        await ReadAsync("""
            SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            """, lines);
        await ReadAsync("SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'", lines);
        await ReadAsync("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace", lines);
        await ReadAsync("SELECT 'query ' || querykey || ' ' || md5(querytext) FROM orleansquery", lines);
        await ReadAsync("SELECT 'migration ' || version || ' ' || name || ' ' || checksum FROM ra_schema_migrations", lines);
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    private async Task ReadAsync(string sql, List<string> lines)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
    }
}
