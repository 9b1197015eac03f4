using System.Text;
using System.Text.Json;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>The canonical carrier event for carriers without a format of their own:
/// <c>{"eventId", "rmaId", "status": "in_transit|delivered|lost|not_dropped_off", "occurredAt", "carrier", "trackingNumber"}</c>.
/// Signed like Stripe/Standard Webhooks: <c>X-RA-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))</c> with
/// <c>X-RA-Timestamp</c> (Unix seconds) checked for staleness.</summary>
public sealed class GenericCarrierAdapter : IPartnerAdapter
{
    public const string SignatureHeader = "X-RA-Signature";
    public const string TimestampHeader = "X-RA-Timestamp";

    public string Name => "carrier";

    public IReadOnlyList<string> SignificantHeaders { get; } = [SignatureHeader, TimestampHeader];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        var timestamp = header(TimestampHeader);
        var signature = header(SignatureHeader);
        if (signature is null || !signature.StartsWith("v1=", StringComparison.Ordinal))
        {
            return SignatureCheck.Fail($"{SignatureHeader} must be 'v1=<hex HMAC-SHA256>'.");
        }

        var expected = Hmac.Sha256(secret, [.. Encoding.UTF8.GetBytes($"{timestamp}."), .. body]);
        if (!Hmac.HexEquals(expected, signature[3..]))
        {
            return SignatureCheck.Fail("The signature does not match the body.");
        }

        return Hmac.Fresh(timestamp, now, tolerance);
    }

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        Payload? p;
        try
        {
            p = JsonSerializer.Deserialize<Payload>(body, CanonicalMapper.Json);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        if (p is null || string.IsNullOrWhiteSpace(p.EventId) || string.IsNullOrWhiteSpace(p.RmaId) || !CanonicalMapper.IsValidRmaId(p.RmaId))
        {
            return MapResult.Fail("payload.fields", "eventId and rmaId are required.");
        }

        CarrierEventKind? kind = p.Status switch
        {
            "in_transit" => CarrierEventKind.InTransit,
            "delivered" => CarrierEventKind.Delivered,
            "lost" => CarrierEventKind.Lost,
            "not_dropped_off" => CarrierEventKind.NotDroppedOff,
            _ => null,
        };
        return kind is null
            ? MapResult.Fail("payload.status", $"Unknown status '{p.Status}'; use in_transit, delivered, lost or not_dropped_off.")
            : MapResult.One(new MappedCommand(p.RmaId, $"carrier:{p.EventId}", new RecordCarrierEvent($"carrier:{p.EventId}", $"carrier:{p.Carrier ?? "generic"}", kind.Value, p.OccurredAt)));
    }

    private sealed record Payload(string? EventId, string? RmaId, string? Status, DateTimeOffset? OccurredAt, string? Carrier, string? TrackingNumber);
}
