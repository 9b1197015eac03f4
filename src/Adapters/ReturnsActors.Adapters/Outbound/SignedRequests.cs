using System.Text;

namespace ReturnsActors.Adapters.Outbound;

/// <summary>What every signed outbound POST (webhook deliveries, vendor-claim submissions) does the same way.</summary>
public static class SignedRequests
{
    /// <summary>A JSON POST of <paramref name="body"/> to <paramref name="url"/> with the Standard Webhooks headers for
    /// <paramref name="messageId"/>, signed with every one of <paramref name="secrets"/> (newest first).</summary>
    public static HttpRequestMessage Post(string url, string messageId, string body, IReadOnlyList<string> secrets, DateTimeOffset now)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in StandardWebhookSigner.Sign(messageId, now, body, secrets))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>How long the receiver asked us to wait (<c>Retry-After</c> as seconds or as a date), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) =>
        response.Headers.RetryAfter is { } r ? r.Delta ?? (r.Date - now) : null;
}
