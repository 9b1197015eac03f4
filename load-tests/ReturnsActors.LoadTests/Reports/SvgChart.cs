using System.Text;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>A minimal inline SVG line chart, so the HTML report needs no script or CDN.</summary>
public static class SvgChart
{
    private const int Width = 640;
    private const int Height = 240;
    private const int Left = 56;
    private const int Right = 16;
    private const int Top = 28;
    private const int Bottom = 36;
    private const string Font = "font-family=\"sans-serif\" fill=\"#222\"";

    /// <summary>A named line; points with a null Y leave a gap.</summary>
    public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double? Y)> Points);

    public static string Render(string title, string yLabel, IReadOnlyList<Series> series)
    {
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).DefaultIfEmpty(0).ToList();
        var ys = series.SelectMany(s => s.Points.Where(p => p.Y is not null).Select(p => p.Y!.Value)).DefaultIfEmpty(0).ToList();
        var xMax = Math.Max(xs.Max(), 1);
        var yMax = NiceCeiling(Math.Max(ys.Max(), 1e-9));
        double Px(double x) => Left + (x / xMax * (Width - Left - Right));
        double Py(double y) => Height - Bottom - (y / yMax * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Html.Encode(title)}\">");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#fff\"/>");
        svg.Append($"<text x=\"{Left}\" y=\"18\" {Font} font-size=\"13\" font-weight=\"bold\">{Html.Encode(title)}</text>");
        for (var i = 0; i <= 4; i++)
        {
            var y = yMax * i / 4;
            var py = Format.Number(Py(y), "0.#");
            svg.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{py}\" y2=\"{py}\" stroke=\"#e5e5e5\"/>");
            svg.Append($"<text x=\"{Left - 6}\" y=\"{py}\" {Font} font-size=\"10\" text-anchor=\"end\" dominant-baseline=\"middle\">{Format.Number(y, "0.##")}</text>");
        }

        var xStep = NiceCeiling(xMax / 6);
        for (var x = 0.0; x <= xMax + 1e-9; x += xStep)
        {
            svg.Append($"<text x=\"{Format.Number(Px(x), "0.#")}\" y=\"{Height - Bottom + 16}\" {Font} font-size=\"10\" text-anchor=\"middle\">{Format.Number(x, "0.#")}s</text>");
        }

        svg.Append($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#888\"/>");
        svg.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#888\"/>");
        svg.Append($"<text x=\"12\" y=\"{Top + ((Height - Top - Bottom) / 2)}\" {Font} font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Top + ((Height - Top - Bottom) / 2)})\">{Html.Encode(yLabel)}</text>");

        var legendX = Width - Right;
        foreach (var line in series.Reverse())
        {
            legendX -= 12 + (7 * line.Name.Length) + 18;
            svg.Append($"<rect x=\"{legendX}\" y=\"9\" width=\"12\" height=\"3\" fill=\"{line.Color}\"/>");
            svg.Append($"<text x=\"{legendX + 16}\" y=\"14\" {Font} font-size=\"11\">{Html.Encode(line.Name)}</text>");
            foreach (var segment in Segments(line.Points))
            {
                var points = string.Join(' ', segment.Select(p => $"{Format.Number(Px(p.X), "0.#")},{Format.Number(Py(p.Y), "0.#")}"));
                svg.Append(segment.Count == 1
                    ? $"<circle cx=\"{Format.Number(Px(segment[0].X), "0.#")}\" cy=\"{Format.Number(Py(segment[0].Y), "0.#")}\" r=\"2\" fill=\"{line.Color}\"/>"
                    : $"<polyline fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2\" points=\"{points}\"/>");
            }
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least <paramref name="value"/>.</summary>
    public static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (factor * magnitude >= value * (1 - 1e-12))
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static IEnumerable<List<(double X, double Y)>> Segments(IReadOnlyList<(double X, double? Y)> points)
    {
        var current = new List<(double X, double Y)>();
        foreach (var (x, y) in points)
        {
            if (y is { } value)
            {
                current.Add((x, value));
            }
            else if (current.Count > 0)
            {
                yield return current;
                current = [];
            }
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }
}
