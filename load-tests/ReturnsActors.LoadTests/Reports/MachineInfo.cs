using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>Where a run happened, stamped on the first line of every report so numbers are never compared blind.</summary>
public sealed record MachineInfo(string Os, int Cores, double MemoryGiB, string DotNet, string Harness, DateTimeOffset Utc)
{
    public static MachineInfo Capture(DateTimeOffset utc) => new(
        RuntimeInformation.OSDescription,
        Environment.ProcessorCount,
        Math.Round(ReadMemoryGiB(), 1),
        RuntimeInformation.FrameworkDescription,
        HarnessVersion(),
        utc);

    /// <summary>The one-line summary, e.g. <c>os=Linux ...; cores=2; memory=23.4 GiB; ...</c>.</summary>
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"os={Os}; cores={Cores}; memory={MemoryGiB:0.0} GiB; dotnet={DotNet}; harness={Harness}; utc={Utc.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

    private static double ReadMemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            if (long.TryParse(kb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
            {
                return kib / 1024.0 / 1024.0;
            }
        }
        catch (IOException)
        {
            // Not Linux: fall back to what the GC sees.
        }
        catch (UnauthorizedAccessException)
        {
            // Same fallback.
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0;
    }

    private static string HarnessVersion()
    {
        var version = typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
