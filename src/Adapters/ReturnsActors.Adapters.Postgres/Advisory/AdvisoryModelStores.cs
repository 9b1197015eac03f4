using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using ReturnsActors.Advisory;

namespace ReturnsActors.Silo.Advisory;

/// <summary>Which version is active, since when, and its last stored evaluation.</summary>
internal sealed record ActiveAdvisoryModel(string Version, DateTimeOffset ActivatedAt, StoredEvaluation? Evaluation);

/// <summary>A stored version, for <c>advisory list</c>.</summary>
internal sealed record StoredAdvisoryModel(AdvisoryModelManifest Manifest, bool Active);

/// <summary>Where advisory artifacts are kept and which version is active. One model key (<see cref="ModelName"/>): the
/// artifact holds both the advisor and the triage.</summary>
internal interface IAdvisoryModelStore
{
    const string ModelName = "advisory";

    /// <summary>Shown in logs, the CLI and <c>GET /v1/advisory/model</c> (<c>postgres</c>, <c>directory</c>, <c>memory</c>).</summary>
    string Source { get; }

    Task<ActiveAdvisoryModel?> GetActiveAsync(CancellationToken ct);

    Task<byte[]?> ReadAsync(string version, CancellationToken ct);

    /// <summary>Stores the artifact; a version already stored is kept as it is (same inputs, same models).</summary>
    Task PublishAsync(AdvisoryArtifact artifact, CancellationToken ct);

    /// <summary>Makes a stored version the active one; false when the version is not stored.</summary>
    Task<bool> ActivateAsync(string version, DateTimeOffset at, CancellationToken ct);

    Task SaveEvaluationAsync(string version, StoredEvaluation evaluation, CancellationToken ct);

    Task<IReadOnlyList<StoredAdvisoryModel>> ListAsync(CancellationToken ct);

    /// <summary>Held while one process checks for an active version and trains the first one, so only one trains.</summary>
    Task<IAsyncDisposable> LockAsync(CancellationToken ct);
}

/// <summary>PostgreSQL (V0016): the Cluster profile's store; optionally also writes each artifact to a directory.</summary>
internal sealed class PostgresAdvisoryModelStore(NpgsqlDataSource dataSource, DirectoryAdvisoryModelStore? copy) : IAdvisoryModelStore
{
    // Any constant works; it only has to be the same in every silo and CLI.
    private const long TrainLockKey = 0x5241_4144_564D_4F44;

    public string Source => "postgres";

    public async Task<ActiveAdvisoryModel?> GetActiveAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.version, a.activated_at, m.evaluation_json
            FROM advisory_active_models a JOIN advisory_models m ON m.version = a.version
            WHERE a.model = @model
            """);
        command.Parameters.AddWithValue("model", IAdvisoryModelStore.ModelName);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ActiveAdvisoryModel(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : AdvisoryEvaluation.FromJson<StoredEvaluation>(reader.GetString(2)))
            : null;
    }

    public async Task<byte[]?> ReadAsync(string version, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT artifact FROM advisory_models WHERE version = @version");
        command.Parameters.AddWithValue("version", version);
        return await command.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task PublishAsync(AdvisoryArtifact artifact, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO advisory_models (version, manifest_json, artifact) VALUES (@version, @manifest, @artifact)
            ON CONFLICT (version) DO NOTHING
            """);
        command.Parameters.AddWithValue("version", artifact.Version);
        command.Parameters.AddWithValue("manifest", artifact.ManifestJson);
        command.Parameters.AddWithValue("artifact", artifact.ToBytes());
        await command.ExecuteNonQueryAsync(ct);
        if (copy is not null)
        {
            await copy.PublishAsync(artifact, ct);
        }
    }

    public async Task<bool> ActivateAsync(string version, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO advisory_active_models (model, version, activated_at)
            SELECT @model, version, @at FROM advisory_models WHERE version = @version
            ON CONFLICT (model) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at
            """);
        command.Parameters.AddWithValue("model", IAdvisoryModelStore.ModelName);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("at", at);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task SaveEvaluationAsync(string version, StoredEvaluation evaluation, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE advisory_models SET evaluation_json = @evaluation WHERE version = @version");
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("evaluation", AdvisoryEvaluation.ToJson(evaluation));
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<StoredAdvisoryModel>> ListAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.manifest_json, a.version IS NOT NULL
            FROM advisory_models m LEFT JOIN advisory_active_models a ON a.version = m.version AND a.model = @model
            ORDER BY m.created_at, m.version
            """);
        command.Parameters.AddWithValue("model", IAdvisoryModelStore.ModelName);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var models = new List<StoredAdvisoryModel>();
        while (await reader.ReadAsync(ct))
        {
            models.Add(new StoredAdvisoryModel(AdvisoryArtifact.ReadManifest(reader.GetString(0)), reader.GetBoolean(1)));
        }

        return models;
    }

    public async Task<IAsyncDisposable> LockAsync(CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            // Waits while another process trains the first model (seconds); cancelled when the silo stops.
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 300 };
            command.Parameters.AddWithValue("key", TrainLockKey);
            await command.ExecuteNonQueryAsync(ct);
            return new Releaser(async () =>
            {
                // Closing the session releases the lock too; unlocking first keeps a pooled connection clean.
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                unlock.Parameters.AddWithValue("key", TrainLockKey);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
                await connection.DisposeAsync();
            });
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

/// <summary>A directory: <c>{version}.zip</c> (the artifact), <c>{version}.json</c> (its manifest),
/// <c>{version}.evaluation.json</c> and <c>active</c> (the active version and when it was activated).</summary>
internal sealed class DirectoryAdvisoryModelStore(string directory) : IAdvisoryModelStore
{
    private const string ActiveFile = "active";

    public string Source => "directory";

    public async Task<ActiveAdvisoryModel?> GetActiveAsync(CancellationToken ct)
    {
        var path = Path.Combine(directory, ActiveFile);
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = (await File.ReadAllLinesAsync(path, ct)).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2)
        {
            return null;
        }

        var evaluation = Path.Combine(directory, $"{lines[0]}.evaluation.json");
        return new ActiveAdvisoryModel(lines[0], DateTimeOffset.Parse(lines[1], CultureInfo.InvariantCulture),
            File.Exists(evaluation) ? AdvisoryEvaluation.FromJson<StoredEvaluation>(await File.ReadAllTextAsync(evaluation, ct)) : null);
    }

    public async Task<byte[]?> ReadAsync(string version, CancellationToken ct)
    {
        var path = ArtifactPath(version);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
    }

    public async Task PublishAsync(AdvisoryArtifact artifact, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        if (File.Exists(ArtifactPath(artifact.Version)))
        {
            return;
        }

        await WriteAtomicallyAsync(Path.Combine(directory, $"{artifact.Version}.json"), artifact.ManifestJson, ct);
        var temporary = ArtifactPath(artifact.Version) + ".tmp";
        await File.WriteAllBytesAsync(temporary, artifact.ToBytes(), ct);
        File.Move(temporary, ArtifactPath(artifact.Version), overwrite: true);
    }

    public async Task<bool> ActivateAsync(string version, DateTimeOffset at, CancellationToken ct)
    {
        if (!File.Exists(ArtifactPath(version)))
        {
            return false;
        }

        await WriteAtomicallyAsync(Path.Combine(directory, ActiveFile), $"{version}\n{at.ToString("O", CultureInfo.InvariantCulture)}\n", ct);
        return true;
    }

    public Task SaveEvaluationAsync(string version, StoredEvaluation evaluation, CancellationToken ct) =>
        WriteAtomicallyAsync(Path.Combine(directory, $"{version}.evaluation.json"), AdvisoryEvaluation.ToJson(evaluation), ct);

    public async Task<IReadOnlyList<StoredAdvisoryModel>> ListAsync(CancellationToken ct)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var active = (await GetActiveAsync(ct))?.Version;
        var models = new List<StoredAdvisoryModel>();
        foreach (var zip in Directory.GetFiles(directory, "*.zip").Order(StringComparer.Ordinal))
        {
            var manifest = Path.ChangeExtension(zip, ".json");
            if (File.Exists(manifest))
            {
                var m = AdvisoryArtifact.ReadManifest(await File.ReadAllTextAsync(manifest, ct));
                models.Add(new StoredAdvisoryModel(m, m.Version == active));
            }
        }

        return [.. models.OrderBy(m => m.Manifest.TrainedAt)];
    }

    public async Task<IAsyncDisposable> LockAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ".train.lock");
        while (true)
        {
            try
            {
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new Releaser(() => file.DisposeAsync());
            }
            catch (IOException)
            {
                // Another process trains: wait for it.
                await Task.Delay(200, ct);
            }
        }
    }

    private string ArtifactPath(string version) =>
        IsVersion(version) ? Path.Combine(directory, $"{version}.zip") : throw new ArgumentException($"'{version}' is not a model version.", nameof(version));

    /// <summary>adv- and hex digits: never a path.</summary>
    public static bool IsVersion(string version) =>
        version.Length is > 4 and <= 64 && version.StartsWith("adv-", StringComparison.Ordinal) && version[4..].All(char.IsAsciiHexDigitLower);

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken ct)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, text, ct);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>The Embedded profile without a model directory: nothing is saved; the silo trains on first use.</summary>
internal sealed class InMemoryAdvisoryModelStore : IAdvisoryModelStore
{
    private readonly ConcurrentDictionary<string, (AdvisoryArtifact Artifact, StoredEvaluation? Evaluation)> _models = new();
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile ActiveAdvisoryModel? _active;

    public string Source => "memory";

    public Task<ActiveAdvisoryModel?> GetActiveAsync(CancellationToken ct) =>
        Task.FromResult(_active is { } a ? a with { Evaluation = _models[a.Version].Evaluation } : null);

    public Task<byte[]?> ReadAsync(string version, CancellationToken ct) =>
        Task.FromResult(_models.TryGetValue(version, out var m) ? m.Artifact.ToBytes() : null);

    public Task PublishAsync(AdvisoryArtifact artifact, CancellationToken ct)
    {
        _models.TryAdd(artifact.Version, (artifact, null));
        return Task.CompletedTask;
    }

    public Task<bool> ActivateAsync(string version, DateTimeOffset at, CancellationToken ct)
    {
        var known = _models.ContainsKey(version);
        if (known)
        {
            _active = new ActiveAdvisoryModel(version, at, null);
        }

        return Task.FromResult(known);
    }

    public Task SaveEvaluationAsync(string version, StoredEvaluation evaluation, CancellationToken ct)
    {
        _models.AddOrUpdate(version, _ => throw new KeyNotFoundException(version), (_, m) => (m.Artifact, evaluation));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredAdvisoryModel>> ListAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<StoredAdvisoryModel>>([.. _models.Values.Select(m => new StoredAdvisoryModel(m.Artifact.Manifest, m.Artifact.Version == _active?.Version))]);

    public async Task<IAsyncDisposable> LockAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        return new Releaser(() =>
        {
            _lock.Release();
            return ValueTask.CompletedTask;
        });
    }
}

internal sealed class Releaser(Func<ValueTask> release) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => release();
}

internal static class AdvisoryModelStoreExtensions
{
    /// <summary>Trains a version from the synthetic generator, stores it and makes it the active one.</summary>
    public static async Task<AdvisoryArtifact> TrainAndActivateAsync(this IAdvisoryModelStore store, int seed, int rows, TimeProvider time, CancellationToken ct)
    {
        var artifact = await Task.Run(() => AdvisoryArtifact.Train(seed, rows, trainedAt: time.GetUtcNow()), ct);
        await store.PublishAsync(artifact, ct);
        await store.ActivateAsync(artifact.Version, time.GetUtcNow(), ct);
        return artifact;
    }
}
