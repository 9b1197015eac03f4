using System.Globalization;
using System.Text.RegularExpressions;

namespace ReturnsActors.LoadTests.Config;

/// <summary>Parses durations written as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or <c>hh:mm:ss</c>.</summary>
public static partial class Duration
{
    /// <exception cref="FormatException">The text is not a duration.</exception>
    public static TimeSpan Parse(string text)
    {
        var match = UnitPattern().Match(text);
        if (match.Success)
        {
            var value = double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            return match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)
            ? span
            : throw new FormatException($"'{text}' is not a duration; use e.g. 500ms, 30s, 2m, 1h or 00:00:30.");
    }

    public static string Format(TimeSpan span) => span.TotalSeconds >= 1
        ? $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
        : $"{span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";

    [GeneratedRegex(@"^\s*(?<value>[0-9]*\.?[0-9]+)\s*(?<unit>ms|s|m|h)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex UnitPattern();
}
