using System.Text.Json.Serialization;

namespace ReturnsActors.Grains.Rma;

/// <summary>Header state of a return (DESIGN §3).</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<RmaStatus>))]
public enum RmaStatus
{
    Requested = 0,
    UnderReview = 1,
    Authorized = 2,
    Declined = 3,
    AwaitingShipment = 4,
    InTransit = 5,
    Delivered = 6,
    Received = 7,
    PartiallyReceived = 8,
    Inspecting = 9,
    Dispositioned = 10,
    PendingSettlement = 11,
    Resolved = 12,
    Closed = 13,
    Cancelled = 14,
    Expired = 15,
}

/// <summary>Why the customer returns a line. Separate from what happens to the item.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<ReasonClass>))]
public enum ReasonClass
{
    Convenience = 0,
    Warranty = 1,
    TransitDamage = 2,
    WrongItem = 3,
    Defect = 4,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<LineAcceptance>))]
public enum LineAcceptance
{
    Pending = 0,
    Accepted = 1,
    Rejected = 2,
    ManualReview = 3,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<LineLogistics>))]
public enum LineLogistics
{
    Awaiting = 0,
    InTransit = 1,
    Delivered = 2,
    Lost = 3,
    NotDroppedOff = 4,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<LineReceipt>))]
public enum LineReceipt
{
    Pending = 0,
    Received = 1,
    ShortShipped = 2,
    WrongItem = 3,
    NotReceived = 4,
    KeptByCustomer = 5,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<Disposition>))]
public enum Disposition
{
    Restock = 0,
    Refurbish = 1,
    Repair = 2,
    Scrap = 3,
    Donate = 4,
    ReturnToVendor = 5,
    QualityReview = 6,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<SettlementKind>))]
public enum SettlementKind
{
    RefundOriginalPayment = 0,
    StoreCredit = 1,
    CreditMemo = 2,
    ReplacementStandard = 3,
    ReplacementAdvance = 4,
}

/// <summary>Inspection grade: A as new, B opened/like new, C used, D damaged or incomplete.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<ItemGrade>))]
public enum ItemGrade
{
    A = 0,
    B = 1,
    C = 2,
    D = 3,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<CancelledBy>))]
public enum CancelledBy
{
    Customer = 0,
    Merchant = 1,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<CarrierEventKind>))]
public enum CarrierEventKind
{
    InTransit = 0,
    Delivered = 1,
    Lost = 2,
    NotDroppedOff = 3,
}

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<TaskActivity>))]
public enum TaskActivity
{
    Assigned = 0,
    Completed = 1,
    Escalated = 2,
}

/// <summary>Whether a recorded recommendation was only shown to a person or applied by the system under tenant policy.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<RecommendationMode>))]
public enum RecommendationMode
{
    Advisory = 0,
    AutoApplied = 1,
}
