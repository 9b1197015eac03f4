using System.Text.Json.Nodes;
using ReturnsActors.Api.Orders;
using ReturnsActors.Api.Rmas;

namespace ReturnsActors.Api.OpenApi;

/// <summary>Example bodies shown in /openapi/v1.json and /docs for the requests integrators write first.</summary>
internal static class OpenApiExamples
{
    public static JsonNode? For(Type type) =>
        type == typeof(CreateRmaRequest) ? JsonNode.Parse("""
            {"rmaId":"RMA-10042","orderId":"ORD-1001","customerNote":"Does not switch on.",
             "lines":[{"orderLineId":"1","quantity":1,"reasonCode":"NO_POWER","reasonClass":"Defect","serialNumbers":["SN-HP-0001"]}]}
            """)
        : type == typeof(OrderRequest) ? JsonNode.Parse("""
            {"channel":"web","deliveredAt":"2026-11-20T10:00:00Z","currency":"EUR",
             "lines":[{"orderLineId":"1","sku":"SKU-HEADPHONES-01","category":"electronics","quantity":1,"unitPrice":199.99,"serialNumbers":["SN-HP-0001"]}]}
            """)
        : type == typeof(ReceiptRequest) ? JsonNode.Parse("""
            {"lines":[{"lineId":"L1","quantity":1,"serialNumbers":["SN-HP-0001"]}],"final":true,"warehouse":"WH-BERLIN"}
            """)
        : type == typeof(InspectionRequest) ? JsonNode.Parse("""
            {"lines":[{"lineId":"L1","grade":"C","conditionNotes":"does not power on","evidenceRefs":["photo-381"]}]}
            """)
        : type == typeof(LabelRequest) ? JsonNode.Parse("""{"carrier":"DHL","trackingNumber":"JD014600003812345678"}""")
        : type == typeof(CarrierEventRequest) ? JsonNode.Parse("""{"kind":"Delivered","occurredAt":"2026-11-24T09:12:00Z"}""")
        : type == typeof(SettleRequest) ? JsonNode.Parse("""{"kind":"RefundOriginalPayment"}""")
        : null;
}
