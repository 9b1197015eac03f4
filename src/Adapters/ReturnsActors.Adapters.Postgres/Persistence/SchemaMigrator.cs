using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace ReturnsActors.Silo.Persistence;

/// <summary>One versioned SQL script shipped in this assembly (Persistence/Migrations/V0001__name.sql).</summary>
internal sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>Applies the project's own PostgreSQL schema: versioned, checksummed, serialized across silos
/// by an advisory lock, each script in its own transaction. Scripts are idempotent as well, so a
/// half-recorded run (script applied, row not written) repeats safely.</summary>
internal sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any constant works; it only has to be the same in every silo.
    private const long AdvisoryLockKey = 0x5241_4D49_4752_4154;

    public static IReadOnlyList<Migration> Migrations { get; } = LoadMigrations();

    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS ra_schema_migrations
                (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = new Dictionary<int, string>();
            await using (var read = new NpgsqlCommand("SELECT version, checksum FROM ra_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            var newlyApplied = new List<Migration>();
            foreach (var migration in Migrations)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration V{migration.Version:D4} ({migration.Name}) was changed after it was applied; add a new migration instead.");
                    }

                    continue;
                }

                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, migration.Sql, cancellationToken);
                await ExecuteAsync(connection,
                    "INSERT INTO ra_schema_migrations (version, name, checksum) VALUES (@v, @n, @c) ON CONFLICT (version) DO NOTHING",
                    cancellationToken, ("v", migration.Version), ("n", migration.Name), ("c", migration.Checksum));
                await tx.CommitAsync(cancellationToken);
                newlyApplied.Add(migration);
                LogApplied(migration.Version, migration.Name);
            }

            LogUpToDate(Migrations.Count == 0 ? 0 : Migrations[^1].Version, newlyApplied.Count);
            await RebaseLogAsync(connection, cancellationToken);
            return newlyApplied;
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    /// <summary>Opens a new log epoch when the database now runs on another PostgreSQL cluster (V0032, <see cref="LogOrder"/>); a silo
    /// started without migrating runs it too, before anything is appended. Nothing happens on a schema older than V0032.</summary>
    public async Task RebaseLogAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await RebaseLogAsync(connection, cancellationToken);
    }

    private async Task RebaseLogAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regproc('ra_log_rebase') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        // ra_log_epoch() reads the statement's snapshot, so it answers the epoch from before the rebase.
        await using var command = new NpgsqlCommand("SELECT ra_log_epoch(), ra_log_rebase()", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken) && reader.GetInt32(0) != reader.GetInt32(1))
        {
            LogRebased(reader.GetInt32(0), reader.GetInt32(1));
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        // Numbers may skip (work in parallel branches reserves them), but one number names one script.
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations are numbered V{migrations[i].Version:D4}: {migrations[i - 1].Name} and {migrations[i].Name}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"\.V(?<version>\d{4})__(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration V{Version:D4} {Name}")]
    private partial void LogApplied(int version, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database now runs on another PostgreSQL cluster (restored or moved): the event log goes on in epoch {Epoch} after epoch {Previous}, so subscribers skip nothing")]
    private partial void LogRebased(int previous, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is at V{Version:D4} ({Applied} migrations applied now)")]
    private partial void LogUpToDate(int version, int applied);
}
