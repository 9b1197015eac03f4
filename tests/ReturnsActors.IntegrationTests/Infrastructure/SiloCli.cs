namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>The silo executable's operator commands, run as an operator would, with the shared silo's admin key in RA_ADMIN_API_KEY.</summary>
internal static class SiloCli
{
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        SiloProcess.RunCommandAsync(new Dictionary<string, string> { ["RA_ADMIN_API_KEY"] = EmbeddedApiSilo.AdminKey }, args);
}
