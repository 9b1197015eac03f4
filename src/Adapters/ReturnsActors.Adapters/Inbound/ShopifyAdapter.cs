using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>Shopify return webhooks, topics <c>returns/request</c> (a customer asks: opens the return) and <c>returns/approve</c>
/// (the merchant approves it). Signature: <c>X-Shopify-Hmac-Sha256</c> = base64(HMAC-SHA256(app secret, raw body)).
/// <c>X-Shopify-Webhook-Id</c> is the event id; the return id is <c>SHOP-{return id}</c>, the order id Shopify's order id,
/// order lines its line item ids.</summary>
public sealed class ShopifyAdapter : IPartnerAdapter
{
    public const string SignatureHeader = "X-Shopify-Hmac-Sha256";
    public const string TopicHeader = "X-Shopify-Topic";
    public const string WebhookIdHeader = "X-Shopify-Webhook-Id";

    public string Name => "shopify";

    public IReadOnlyList<string> SignificantHeaders { get; } = [SignatureHeader, TopicHeader, WebhookIdHeader, "X-Shopify-Shop-Domain"];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance) =>
        Hmac.Base64Equals(Hmac.Sha256(secret, body), header(SignatureHeader))
            ? SignatureCheck.Ok
            : SignatureCheck.Fail($"{SignatureHeader} does not match the body.");

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        var topic = headers.GetValueOrDefault(TopicHeader);
        if (headers.GetValueOrDefault(WebhookIdHeader) is not { Length: > 0 } webhookId)
        {
            return MapResult.Fail("payload.headers", $"{WebhookIdHeader} is required (it makes redeliveries no-ops).");
        }

        ShopifyReturn? r;
        try
        {
            r = JsonSerializer.Deserialize<ShopifyReturn>(body);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        if (r?.Id is not { } returnId)
        {
            return MapResult.Fail("payload.fields", "A Shopify return needs id.");
        }

        var rmaId = $"SHOP-{returnId.ToString(CultureInfo.InvariantCulture)}";
        var id = $"shopify:{webhookId}";
        switch (topic)
        {
            case "returns/request":
                if (r.Order?.Id is not { } orderId || r.ReturnLineItems is not { Count: > 0 } items
                    || items.Any(i => i.FulfillmentLineItem?.LineItem?.Id is null || i.Quantity < 1))
                {
                    return MapResult.Fail("payload.fields", "returns/request needs order.id and return_line_items with fulfillment_line_item.line_item.id and quantity.");
                }

                var lines = items.Select(i => new RequestedLine(i.FulfillmentLineItem!.LineItem!.Id!.Value.ToString(CultureInfo.InvariantCulture), i.Quantity,
                    i.ReturnReason ?? "UNKNOWN", Reason(i.ReturnReason))).ToList();
                return MapResult.One(new MappedCommand(rmaId, id, new CreateRma(id, "shopify:customer", orderId.ToString(CultureInfo.InvariantCulture), lines,
                    items.Select(i => i.CustomerNote).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)))));
            case "returns/approve":
                return MapResult.One(new MappedCommand(rmaId, id, new ApproveRma(id, "shopify:merchant", $"Approved in Shopify ({r.Name})")));
            default:
                return MapResult.Fail("payload.topic", $"Topic '{topic}' is not handled; subscribe returns/request and returns/approve.");
        }
    }

    /// <summary>Shopify's ReturnReason enum to who bears the reason.</summary>
    private static ReasonClass Reason(string? reason) => reason switch
    {
        "DEFECTIVE" => ReasonClass.Defect,
        "WRONG_ITEM" => ReasonClass.WrongItem,
        "NOT_AS_DESCRIBED" => ReasonClass.WrongItem,
        _ => ReasonClass.Convenience,
    };

    private sealed record ShopifyReturn(
        [property: JsonPropertyName("id")] long? Id,
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("status")] string? Status,
        [property: JsonPropertyName("order")] ShopifyRef? Order,
        [property: JsonPropertyName("return_line_items")] List<ShopifyReturnLine>? ReturnLineItems);

    private sealed record ShopifyRef([property: JsonPropertyName("id")] long? Id);

    private sealed record ShopifyReturnLine(
        [property: JsonPropertyName("quantity")] int Quantity,
        [property: JsonPropertyName("return_reason")] string? ReturnReason,
        [property: JsonPropertyName("customer_note")] string? CustomerNote,
        [property: JsonPropertyName("fulfillment_line_item")] ShopifyFulfillmentLine? FulfillmentLineItem);

    private sealed record ShopifyFulfillmentLine([property: JsonPropertyName("line_item")] ShopifyRef? LineItem);
}
