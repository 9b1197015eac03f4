using System.Text;
using System.Text.Json;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Security;
using ReturnsActors.Grains.Suppliers;

namespace ReturnsActors.Silo.Connectors;

/// <summary>POSTs a claim document to the supplier's endpoint, signed per Standard Webhooks, with the submission's
/// <c>Idempotency-Key</c> (also the <c>webhook-id</c>). The HttpClient carries the resilience pipeline (per supplier host)
/// and the SSRF guard; the supplier grain retries durably what it still cannot deliver. The secrets arrive as the grain stores them,
/// encrypted, and are decrypted only here.</summary>
internal sealed class SupplierClaimSender(HttpClient http, TimeProvider time, SupplierSecretProtector protector) : IVendorClaimSender
{
    private const int MaxAnswerBytes = 64 * 1024;

    public async Task<ClaimSendOutcome> SendAsync(ClaimDelivery delivery, CancellationToken cancellationToken)
    {
        var secrets = delivery.Secrets.Select(protector.Unprotect).OfType<string>().ToList();
        if (secrets.Count == 0)
        {
            return new ClaimSendOutcome(null, null, "The supplier's claims secret cannot be decrypted (its Data Protection key is gone): rotate it.");
        }

        using var request = SignedRequests.Post(delivery.Url, delivery.IdempotencyKey, delivery.Body, secrets, time.GetUtcNow());
        request.Headers.TryAddWithoutValidation("Idempotency-Key", delivery.IdempotencyKey);

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                return new ClaimSendOutcome(status, null, $"HTTP {status}", SignedRequests.RetryAfter(response, time.GetUtcNow()));
            }

            return new ClaimSendOutcome(status, VendorRmaNumber(await ReadBoundedAsync(response.Content, cancellationToken)), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ClaimSendOutcome(null, null, ex.Message);
        }
    }

    /// <summary>At most <see cref="MaxAnswerBytes"/> of the supplier's answer (an untrusted endpoint); a longer answer is an acceptance
    /// without a reference.</summary>
    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxAnswerBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        return read > MaxAnswerBytes ? "" : Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary><c>{ "vendorRmaNumber": "..." }</c> in a 2xx body; anything else is an acceptance without a reference.</summary>
    internal static string? VendorRmaNumber(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("vendorRmaNumber", out var number) && number.ValueKind == JsonValueKind.String
                && number.GetString() is { Length: > 0 and <= 100 } value
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
