using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>Helpers for steps that send one HTTP request and read the whole response.</summary>
public static class HttpStep
{
    /// <summary>Sends the request; 2xx is ok, anything else fails with the numeric status as code.</summary>
    public static async Task<StepResult> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return response.IsSuccessStatusCode
                ? StepResult.Ok(status, body.Length)
                : StepResult.Fail(status, body.Length, $"HTTP {status} {request.Method} {request.RequestUri}");
        }
    }

    public static Task<StepResult> GetAsync(HttpClient http, string path, CancellationToken cancellationToken) =>
        SendAsync(http, new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
}
