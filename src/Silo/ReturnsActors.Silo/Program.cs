using ReturnsActors.Silo;
using ReturnsActors.Silo.Cli;
using ReturnsActors.Silo.Hosting;
using ReturnsActors.Silo.Settings;

return await SiloProgram.RunAsync(args);

namespace ReturnsActors.Silo
{
    public static class SiloProgram
    {
        /// <summary><c>run</c> (the default) and <c>demo</c> host a silo and take <c>--ReturnsActors:Key=value</c> settings;
        /// every other first word is an operator command (<see cref="OperatorCli"/>).</summary>
        public static async Task<int> RunAsync(string[] args)
        {
            var command = args.Length == 0 ? "run"
                : args[0] is "--help" or "-h" or "-?" or "--version" ? "help"
                : args[0].StartsWith('-') ? "run" : args[0];
            try
            {
                return command switch
                {
                    "run" => await RunSiloAsync(args.Length > 0 && args[0] == "run" ? args[1..] : args, demo: false),
                    "demo" => await RunSiloAsync(args[1..], demo: true),
                    "dead-letters" => await DeadLetterCommand.RunAsync(args[1..]),
                    _ => await OperatorCli.InvokeAsync(args),
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
            catch (Npgsql.NpgsqlException ex)
            {
                Console.Error.WriteLine($"ReturnsActors: cannot reach PostgreSQL at ReturnsActors:Postgres:ConnectionString ({ex.Message}).");
                return 3;
            }

            await app.RunAsync();
            return 0;
        }
    }
}
