using Npgsql;
using ReturnsActors.Silo;
using ReturnsActors.Silo.Hosting;
using ReturnsActors.Silo.Settings;

return await SiloProgram.RunAsync(args);

namespace ReturnsActors.Silo
{
    public static class SiloProgram
    {
        public static async Task<int> RunAsync(string[] args)
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
            var rest = command == "run" ? args : args[1..];
            try
            {
                return command switch
                {
                    "run" => await RunSiloAsync(rest, demo: false),
                    "demo" => await RunSiloAsync(rest, demo: true),
                    "migrate" => await MigrateAsync(rest),
                    "verify" => await VerifyAsync(rest),
                    "dead-letters" => await DeadLetterCommand.RunAsync(rest),
                    "healthcheck" => await HealthCheckAsync(rest),
                    _ => Usage($"unknown command '{command}'"),
                };
            }
            catch (SettingsException ex)
            {
                Console.Error.WriteLine($"ReturnsActors: {ex.Message}");
                return 2;
            }
        }

        private static async Task<int> RunSiloAsync(string[] args, bool demo)
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.AddReturnsActors();
            if (demo)
            {
                builder.Services.AddHostedService<DemoWalkthrough>();
            }

            await using var app = builder.Build();
            app.MapReturnsActors();
            try
            {
                await app.PrepareAsync();
            }
            catch (NpgsqlException ex)
            {
                Console.Error.WriteLine($"ReturnsActors: cannot reach PostgreSQL at ReturnsActors:Postgres:ConnectionString ({ex.Message}).");
                return 3;
            }

            await app.RunAsync();
            return 0;
        }

        /// <summary><c>migrate</c>: applies the schema and exits; needs only the PostgreSQL connection string.</summary>
        private static async Task<int> MigrateAsync(string[] args)
        {
            var builder = Host.CreateApplicationBuilder(args);
            var connectionString = builder.Configuration[$"{ReturnsActorsSettings.Section}:Postgres:ConnectionString"];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new SettingsException($"Invalid setting {ReturnsActorsSettings.Section}:Postgres:ConnectionString: is required by 'migrate'.");
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            using var loggerFactory = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
            var migrator = new Persistence.SchemaMigrator(dataSource, loggerFactory.CreateLogger<Persistence.SchemaMigrator>());
            var applied = await migrator.MigrateAsync();
            Console.WriteLine($"schema up to date: {applied.Count} migration(s) applied, {Persistence.SchemaMigrator.Migrations.Count} known");
            return 0;
        }

        /// <summary><c>verify TENANT RMA</c>: recomputes a return's audit chain from the PostgreSQL event log and names
        /// the first event whose hash or link does not match. Exit 0 intact, 1 broken, 2 usage.</summary>
        private static async Task<int> VerifyAsync(string[] args)
        {
            var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
            if (positional.Length < 2)
            {
                return Usage("verify needs a tenant id and an RMA id");
            }

            var builder = Host.CreateApplicationBuilder(args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToArray());
            var connectionString = builder.Configuration[$"{ReturnsActorsSettings.Section}:Postgres:ConnectionString"];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new SettingsException($"Invalid setting {ReturnsActorsSettings.Section}:Postgres:ConnectionString: is required by 'verify'.");
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var events = await new Persistence.PostgresRmaEventLog(dataSource).ReadAsync($"{positional[0]}/{positional[1]}");
            if (events.Count == 0)
            {
                Console.Error.WriteLine($"ReturnsActors: no events for {positional[0]}/{positional[1]}.");
                return 2;
            }

            var result = Grains.Rma.AuditChain.Verify(events);
            Console.WriteLine(result.Valid
                ? $"intact: {events.Count} events, seq {result.CheckedFromSeq}..{result.CheckedThroughSeq}"
                : $"BROKEN at seq {result.FirstBrokenSeq}: its hash or its link to the previous event does not match ({events.Count} events)");
            return result.Valid ? 0 : 1;
        }

        /// <summary><c>healthcheck URL</c>: exits 0 when the URL answers 2xx (container health checks; the image has no curl).</summary>
        private static async Task<int> HealthCheckAsync(string[] args)
        {
            var url = args.Length > 0 ? args[0] : "http://127.0.0.1:8080/health/live";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            try
            {
                using var response = await http.GetAsync(url);
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return 1;
            }
        }

        internal static int Usage(string problem)
        {
            Console.Error.WriteLine($"ReturnsActors: {problem}. Usage: ReturnsActors.Silo [run|demo] [--ReturnsActors:Key=value ...] | migrate | verify TENANT RMA | dead-letters list [--tenant T] [--status pending|replayed] | dead-letters replay ID [--url URL] | healthcheck URL");
            return 2;
        }
    }
}
