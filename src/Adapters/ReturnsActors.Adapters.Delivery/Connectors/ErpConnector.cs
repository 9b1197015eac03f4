using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>Posts a credit-memo / refund request to the ERP for each <c>settlement.requested</c>. The HttpClient carries the
/// resilience pipeline (timeouts, retries with jitter, circuit breaker); what it still cannot deliver the connector dispatcher
/// retries durably. Every attempt for one settlement carries the same <c>Idempotency-Key</c>, so the ERP books it once.</summary>
internal sealed class ErpConnector(HttpClient http, ErpConnectorOptions options) : IConnectorChannel
{
    public string Name => "erp";

    public bool Wants(string eventType) => eventType == ReturnsActors.Grains.Rma.Events.SettlementRequested.WireName;

    public async Task<(bool Sent, string? Error)> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new StringContent(Payload(e), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", IdempotencyKey(e));
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", options.ApiKey);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? (true, null) : (false, $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>Stable per (tenant, return, seq): the same on every attempt, after a restart too.</summary>
    internal static string IdempotencyKey(WebhookEvent e) =>
        "ra-settlement-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.TenantId}/{e.RmaId}/{e.Seq}/erp")))[..32];

    internal static string Payload(WebhookEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("tenantId", e.TenantId);
            json.WriteString("rmaId", e.RmaId);
            json.WriteNumber("seq", e.Seq);
            json.WriteString("requestedAt", e.OccurredAt.ToString("O", CultureInfo.InvariantCulture));
            json.WritePropertyName("settlement");
            json.WriteRawValue(e.DataJson);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>Where the ERP takes settlement requests (<c>Connectors:Erp:*</c>).</summary>
internal sealed record ErpConnectorOptions(Uri Url, string ApiKey);
