using System.Net;

namespace ReturnsActors.LoadTests.Reports;

internal static class Html
{
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
