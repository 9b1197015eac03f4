using System.Diagnostics;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>The silo executable's operator commands, run as an operator would, with the shared silo's admin key in RA_ADMIN_API_KEY.</summary>
internal static class SiloCli
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [TestEnvironment.SiloAssembly, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RA_ADMIN_API_KEY"] = EmbeddedApiSilo.AdminKey;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
