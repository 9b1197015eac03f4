using System.Globalization;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>Invariant number formatting shared by the reports.</summary>
internal static class Format
{
    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Number(double? value, string format = "0.###") => value is { } v ? Number(v, format) : "";

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => Number(fraction * 100, "0.##") + "%";

    public static string Codes(IReadOnlyDictionary<string, long> codes) =>
        string.Join(";", codes.Select(c => $"{c.Key}={Integer(c.Value)}"));

    public static string StepLabel(StatsSnapshot stats) => stats.Step ?? "(scenario)";

    public static IEnumerable<StatsSnapshot> Rows(ScenarioResult scenario) => scenario.Steps.Prepend(scenario.Stats);
}
