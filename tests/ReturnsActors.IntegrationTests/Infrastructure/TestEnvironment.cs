using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>Where the real services and the built silo are. The services come from scripts/services.sh
/// (PostgreSQL and Redis on loopback); override with RA_TEST_PG / RA_TEST_REDIS.</summary>
internal static class TestEnvironment
{
    public static string PostgresAdmin { get; } =
        Environment.GetEnvironmentVariable("RA_TEST_PG") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    public static string Redis { get; } = Environment.GetEnvironmentVariable("RA_TEST_REDIS") ?? "127.0.0.1:56379";

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The silo built in the same configuration as these tests.</summary>
    public static string SiloAssembly { get; } = FindSilo();

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A free loopback port for a silo or a stand-in server to bind later. Taken below the kernel's ephemeral range
    /// (32768-60999 here): a port the kernel handed out for port 0 would be freed when this probe closes and could go to the next
    /// outgoing connection or port-0 listener of a parallel test before the silo binds it (seen as "address already in use" when a
    /// restarted silo took its port back). Each port is handed out once per test run.</summary>
    public static int FreeTcpPort()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
    }

    /// <summary>Creates an empty database for one fixture and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        try
        {
            await connection.OpenAsync();
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"PostgreSQL is not reachable at '{PostgresAdmin}': start it with scripts/services.sh start ({ex.Message})", ex);
        }

        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name, Pooling = false }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs one SQL statement on <paramref name="connectionString"/>.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The <c>count(*)</c> a query answers.</summary>
    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every stored grain state row's payload as text (the JSON the grain storage wrote).</summary>
    public static async Task<IReadOnlyList<string>> GrainStatePayloadsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT payload FROM orleans_grain_state WHERE payload IS NOT NULL", connection);
        await using var reader = await rows.ExecuteReaderAsync();
        var payloads = new List<string>();
        while (await reader.ReadAsync())
        {
            payloads.Add(System.Text.Encoding.UTF8.GetString((byte[])reader[0]));
        }

        return payloads;
    }

    /// <summary>Runs scripts/services.sh with extra environment (e.g. a private PostgreSQL port).</summary>
    public static async Task RunServicesScriptAsync(string verb, IReadOnlyDictionary<string, string> environment)
    {
        var (exitCode, stdout, stderr) = await RunProcessAsync("bash", [Path.Combine(RepositoryRoot, "scripts", "services.sh"), verb], environment);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"services.sh {verb} failed ({exitCode}): {stderr}{stdout}");
        }
    }

    /// <summary>Runs a program to its end (at most two minutes) with extra environment; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunProcessAsync(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReturnsActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ReturnsActors.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindSilo()
    {
        // Tests run from tests/X/bin/<Configuration>/<tfm>/: use the silo's own output of the same configuration,
        // where its runtimeconfig and deps files describe it as an application.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent!.Name;
        var path = Path.Combine(RepositoryRoot, "src", "Silo", "ReturnsActors.Silo", "bin", configuration, tfmDir.Name, "ReturnsActors.Silo.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"Build the silo first: {path} is missing.");
    }
}
