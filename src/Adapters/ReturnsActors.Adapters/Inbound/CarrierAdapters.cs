using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>EasyPost tracker webhooks (<c>tracker.created</c> / <c>tracker.updated</c> Event objects whose <c>result</c> is a Tracker).
/// Signature: <c>X-Hmac-Signature: hmac-sha256-hex=hex(HMAC-SHA256(NFKD(secret), raw body))</c>, as EasyPost's client libraries
/// validate it. EasyPost sends no timestamp, so redeliveries are caught by the event id (<c>evt_...</c>) alone.
/// The return is found by the tracker's <c>tracking_code</c> (its label was recorded through ingest).</summary>
public sealed class EasyPostAdapter : IPartnerAdapter
{
    public const string SignatureHeader = "X-Hmac-Signature";

    public string Name => "easypost";

    public IReadOnlyList<string> SignificantHeaders { get; } = [SignatureHeader];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        var signature = header(SignatureHeader);
        const string prefix = "hmac-sha256-hex=";
        if (signature is null || !signature.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return SignatureCheck.Fail($"{SignatureHeader} must be '{prefix}<hex>'.");
        }

        var expected = Hmac.Sha256(secret.Normalize(NormalizationForm.FormKD), body);
        return Hmac.HexEquals(expected, signature[prefix.Length..]) ? SignatureCheck.Ok : SignatureCheck.Fail("The signature does not match the body.");
    }

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        EasyPostEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<EasyPostEvent>(body);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        if (e?.Id is not { Length: > 0 } || e.Object != "Event" || e.Result?.Object != "Tracker" || string.IsNullOrWhiteSpace(e.Result.TrackingCode))
        {
            return MapResult.Fail("payload.fields", "Expected an EasyPost Event (id evt_...) whose result is a Tracker with a tracking_code.");
        }

        if (e.Description is not ("tracker.created" or "tracker.updated"))
        {
            return MapResult.Nothing;
        }

        CarrierEventKind? kind = e.Result.Status switch
        {
            "in_transit" or "out_for_delivery" or "available_for_pickup" => CarrierEventKind.InTransit,
            "delivered" => CarrierEventKind.Delivered,
            "failure" or "return_to_sender" => CarrierEventKind.Lost,
            _ => null,
        };
        if (kind is null)
        {
            return MapResult.Nothing;
        }

        var id = $"easypost:{e.Id}";
        return MapResult.One(new MappedCommand("", id,
            new RecordCarrierEvent(id, $"carrier:easypost:{e.Result.Carrier ?? "unknown"}", kind.Value, e.Result.UpdatedAt ?? e.CreatedAt), e.Result.TrackingCode));
    }

    private sealed record EasyPostEvent(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("object")] string? Object,
        [property: JsonPropertyName("description")] string? Description,
        [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt,
        [property: JsonPropertyName("result")] EasyPostTracker? Result);

    private sealed record EasyPostTracker(
        [property: JsonPropertyName("object")] string? Object,
        [property: JsonPropertyName("tracking_code")] string? TrackingCode,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("carrier")] string? Carrier,
        [property: JsonPropertyName("updated_at")] DateTimeOffset? UpdatedAt);
}

/// <summary>Shippo <c>track_updated</c> webhooks (<c>{"event", "data": Track}</c>, status UNKNOWN, PRE_TRANSIT, TRANSIT, DELIVERED,
/// RETURNED, FAILURE). Shippo does not sign these requests; it recommends a secret token in the webhook URL, so the tenant's secret
/// is that token: <c>?token=</c> (or <c>X-Shippo-Token</c>), compared in constant time. The partner event id is the status's
/// <c>object_id</c>. The return is the track's <c>metadata</c> when it names one (<c>rma:RMA-1</c>), else found by tracking number.</summary>
public sealed class ShippoAdapter : IPartnerAdapter
{
    public const string TokenHeader = "X-Shippo-Token";

    public string Name => "shippo";

    public IReadOnlyList<string> SignificantHeaders { get; } = [];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        var token = header(TokenHeader) ?? header("?token");
        return token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(secret))
            ? SignatureCheck.Ok
            : SignatureCheck.Fail("The webhook token (?token= or X-Shippo-Token) does not match.");
    }

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        ShippoWebhook? w;
        try
        {
            w = JsonSerializer.Deserialize<ShippoWebhook>(body);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        var status = w?.Data?.TrackingStatus;
        if (w?.Event != "track_updated" || status?.ObjectId is not { Length: > 0 } || string.IsNullOrWhiteSpace(w.Data!.TrackingNumber))
        {
            return MapResult.Fail("payload.fields", "Expected a Shippo track_updated webhook with data.tracking_number and data.tracking_status.object_id.");
        }

        CarrierEventKind? kind = status.Status switch
        {
            "TRANSIT" => CarrierEventKind.InTransit,
            "DELIVERED" => CarrierEventKind.Delivered,
            "FAILURE" or "RETURNED" => CarrierEventKind.Lost,
            _ => null,
        };
        if (kind is null)
        {
            return MapResult.Nothing;
        }

        var rmaId = w.Data.Metadata is { } metadata && metadata.StartsWith("rma:", StringComparison.OrdinalIgnoreCase)
            && CanonicalMapper.IsValidRmaId(metadata[4..].Trim()) ? metadata[4..].Trim() : "";
        var id = $"shippo:{status.ObjectId}";
        return MapResult.One(new MappedCommand(rmaId, id,
            new RecordCarrierEvent(id, $"carrier:shippo:{w.Data.Carrier ?? "unknown"}", kind.Value, status.StatusDate), w.Data.TrackingNumber));
    }

    private sealed record ShippoWebhook([property: JsonPropertyName("event")] string? Event, [property: JsonPropertyName("data")] ShippoTrack? Data);

    private sealed record ShippoTrack(
        [property: JsonPropertyName("carrier")] string? Carrier,
        [property: JsonPropertyName("tracking_number")] string? TrackingNumber,
        [property: JsonPropertyName("metadata")] string? Metadata,
        [property: JsonPropertyName("tracking_status")] ShippoStatus? TrackingStatus);

    private sealed record ShippoStatus(
        [property: JsonPropertyName("object_id")] string? ObjectId,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("status_date")] DateTimeOffset? StatusDate);
}
