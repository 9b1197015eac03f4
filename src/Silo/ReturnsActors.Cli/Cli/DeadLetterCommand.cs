using System.Net.Http.Json;
using Npgsql;
using ReturnsActors.Silo.Persistence;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Hosting;

/// <summary><c>dead-letters list [--tenant T] [--status S]</c> reads the PostgreSQL store; <c>dead-letters replay ID [--url URL]</c>
/// asks a running silo (default <c>http://127.0.0.1:{Http:Port}</c>) to replay it with the bootstrap admin key, since a
/// replay needs the grains. Exit 0 done, 1 the replay did not go through, 2 usage.</summary>
internal static class DeadLetterCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var options = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        if (positional.Length == 0 || positional[0] is not ("list" or "replay") || (positional[0] == "replay" && positional.Length < 2))
        {
            return Usage("dead-letters needs 'list' or 'replay ID'");
        }

        var builder = Host.CreateApplicationBuilder(options);
        builder.Configuration.AddReturnsSecretFiles();
        var section = builder.Configuration.GetSection(ReturnsActorsSettings.Section);
        var connectionString = section["Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SettingsException($"Invalid setting {ReturnsActorsSettings.Section}:Postgres:ConnectionString: is required by 'dead-letters'.");
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresDeadLetterStore(dataSource);
        if (positional[0] == "list")
        {
            var letters = await store.ListAsync(builder.Configuration["tenant"], builder.Configuration["status"], 500, CancellationToken.None);
            foreach (var l in letters)
            {
                Console.WriteLine($"{l.Id}\t{l.TenantId}\t{l.Source}\t{l.Status}\t{l.ReceivedAt:O}\t{l.ReasonCode}\t{l.Reason}");
            }

            Console.WriteLine($"{letters.Count} dead letter(s)");
            return 0;
        }

        var id = positional[1];
        var letter = await store.FindAsync(id, CancellationToken.None);
        if (letter is null)
        {
            Console.Error.WriteLine($"ReturnsActors: no dead letter {id}.");
            return 2;
        }

        var url = builder.Configuration["url"] ?? $"http://127.0.0.1:{section["Http:Port"] ?? "5080"}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/dead-letters/{Uri.EscapeDataString(id)}/replay");
        request.Headers.Add("X-Api-Key", section["Bootstrap:AdminApiKey"] ?? SettingsLoader.EmbeddedAdminApiKey);
        request.Headers.Add("X-Tenant-Id", letter.TenantId);
        request.Content = JsonContent.Create(new { });
        using var response = await http.SendAsync(request);
        Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"ReturnsActors: {problem}. See --help; dead-letters list [--tenant T] [--status pending|replayed] | dead-letters replay ID [--url URL].");
        return 2;
    }
}
