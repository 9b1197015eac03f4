using System.Text.Json;
using System.Text.Json.Serialization;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Canonical;

/// <summary>The canonical event types <c>POST /v1/events</c> accepts (CloudEvents <c>type</c>); <c>subject</c> is the RMA id
/// and <c>data</c> the command body. Every partner adapter maps to the same commands.</summary>
public static class CanonicalEventTypes
{
    public const string Prefix = "com.returnsactors.";
    public const string RmaRequested = Prefix + "rma.requested";
    public const string RmaApproved = Prefix + "rma.approved";
    public const string LabelCreated = Prefix + "carrier.label_created";
    public const string CarrierInTransit = Prefix + "carrier.in_transit";
    public const string CarrierDelivered = Prefix + "carrier.delivered";
    public const string CarrierLost = Prefix + "carrier.lost";
    public const string CarrierNotDroppedOff = Prefix + "carrier.not_dropped_off";
    public const string WarehouseReceived = Prefix + "warehouse.received";
    public const string WarehouseInspected = Prefix + "warehouse.inspected";
    public const string SettlementConfirmed = Prefix + "erp.settlement_confirmed";

    public static IReadOnlyList<string> All { get; } =
    [
        RmaRequested, RmaApproved, LabelCreated, CarrierInTransit, CarrierDelivered, CarrierLost, CarrierNotDroppedOff,
        WarehouseReceived, WarehouseInspected, SettlementConfirmed,
    ];
}

/// <summary>One command for one return, named by the event it came from (its id is the command id, so a replay is a no-op).
/// <see cref="Command"/> is a <see cref="CreateRma"/> or an <see cref="IRmaCommand"/>. A carrier payload that names only a
/// tracking number leaves <see cref="RmaId"/> empty and sets <see cref="TrackingNumber"/>; the return is looked up by it.</summary>
public sealed record MappedCommand(string RmaId, string CommandId, object Command, string? TrackingNumber = null)
{
    /// <summary>Groups commands of one return (or one parcel) so they run in order.</summary>
    public string OrderKey => RmaId.Length > 0 ? RmaId : $"tracking:{TrackingNumber}";
}

/// <summary>The commands a payload maps to, or why it cannot be mapped.</summary>
public sealed record MapResult(IReadOnlyList<MappedCommand> Commands, string? ErrorCode = null, string? Error = null)
{
    public bool Failed => Error is not null;

    public static MapResult Fail(string code, string error) => new([], code, error);

    public static MapResult One(MappedCommand command) => new([command]);

    /// <summary>A valid payload that means nothing to a return (e.g. a carrier's pre-transit update).</summary>
    public static MapResult Nothing { get; } = new([]);
}

/// <summary>Canonical event (type, subject, id, data) to an RMA command.</summary>
public static class CanonicalMapper
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static MapResult Map(string type, string? rmaId, string eventId, string actor, JsonElement? data, DateTimeOffset? time)
    {
        if (string.IsNullOrWhiteSpace(rmaId) || !IsValidRmaId(rmaId))
        {
            return MapResult.Fail("event.subject", "The subject must be the RMA id (1 to 64 letters, digits, '-', '_' or '.').");
        }

        if (string.IsNullOrWhiteSpace(eventId) || eventId.Length > 200)
        {
            return MapResult.Fail("event.id", "The event id is required (at most 200 characters).");
        }

        try
        {
            object? command = type switch
            {
                CanonicalEventTypes.RmaRequested => Requested(Body<RequestedData>(data), eventId, actor),
                CanonicalEventTypes.RmaApproved => new ApproveRma(eventId, actor, Body<NoteData>(data, optional: true)?.Note),
                CanonicalEventTypes.LabelCreated => Label(Body<LabelData>(data), eventId, actor),
                CanonicalEventTypes.CarrierInTransit => Carrier(CarrierEventKind.InTransit, data, eventId, actor, time),
                CanonicalEventTypes.CarrierDelivered => Carrier(CarrierEventKind.Delivered, data, eventId, actor, time),
                CanonicalEventTypes.CarrierLost => Carrier(CarrierEventKind.Lost, data, eventId, actor, time),
                CanonicalEventTypes.CarrierNotDroppedOff => Carrier(CarrierEventKind.NotDroppedOff, data, eventId, actor, time),
                CanonicalEventTypes.WarehouseReceived => Receipt(Body<ReceiptData>(data), eventId, actor),
                CanonicalEventTypes.WarehouseInspected => Inspection(Body<InspectionData>(data), eventId, actor),
                CanonicalEventTypes.SettlementConfirmed => Confirm(Body<SettlementData>(data), eventId, actor),
                _ => null,
            };
            return command is null
                ? MapResult.Fail("event.type", $"Unknown event type '{type}'; known: {string.Join(", ", CanonicalEventTypes.All)}.")
                : MapResult.One(new MappedCommand(rmaId, eventId, command));
        }
        catch (MappingException ex)
        {
            return MapResult.Fail("event.data", ex.Message);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("event.data", $"The data does not fit {type}: {ex.Message}");
        }
    }

    public static bool IsValidRmaId(string rmaId) =>
        rmaId.Length is > 0 and <= 64 && rmaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    internal static CreateRma Requested(RequestedData d, string id, string actor)
    {
        if (string.IsNullOrWhiteSpace(d.OrderId) || d.Lines is not { Count: > 0 })
        {
            throw new MappingException("rma.requested needs orderId and at least one line.");
        }

        return new CreateRma(id, actor, d.OrderId, d.Lines.Select(l => new RequestedLine(
            l.OrderLineId ?? throw new MappingException("Every line needs orderLineId."),
            l.Quantity, l.ReasonCode ?? "unspecified", l.ReasonClass ?? ReasonClass.Convenience, l.SerialNumbers)).ToList(), d.CustomerNote);
    }

    internal static RecordLabel Label(LabelData d, string id, string actor) =>
        string.IsNullOrWhiteSpace(d.Carrier) || string.IsNullOrWhiteSpace(d.TrackingNumber)
            ? throw new MappingException("A label needs carrier and trackingNumber.")
            : new RecordLabel(id, actor, d.Carrier, d.TrackingNumber, d.LabelUrl);

    private static RecordCarrierEvent Carrier(CarrierEventKind kind, JsonElement? data, string id, string actor, DateTimeOffset? time) =>
        new(id, actor, kind, Body<CarrierData>(data, optional: true)?.OccurredAt ?? time);

    internal static RecordReceipt Receipt(ReceiptData d, string id, string actor)
    {
        if (d.Lines is not { Count: > 0 } lines || lines.Any(l => string.IsNullOrWhiteSpace(l.LineId)))
        {
            throw new MappingException("A receipt needs lines, each with lineId and quantity.");
        }

        return new RecordReceipt(id, actor, lines.Select(l => new ReceivedLine(l.LineId!, l.Quantity, l.SerialNumbers, l.WrongItem)).ToList(),
            d.Final, d.Warehouse);
    }

    internal static RecordInspection Inspection(InspectionData d, string id, string actor)
    {
        if (d.Lines is not { Count: > 0 } lines || lines.Any(l => string.IsNullOrWhiteSpace(l.LineId) || l.Grade is null))
        {
            throw new MappingException("An inspection needs lines, each with lineId and grade (A-D).");
        }

        return new RecordInspection(id, actor, lines.Select(l => new InspectedLine(l.LineId!, l.Grade!.Value, l.ConditionNotes, l.EvidenceRefs)).ToList());
    }

    internal static ConfirmSettlement Confirm(SettlementData d, string id, string actor) =>
        string.IsNullOrWhiteSpace(d.Reference)
            ? throw new MappingException("A settlement confirmation needs reference (the ERP document number).")
            : new ConfirmSettlement(id, actor, d.Reference);

    private static T? Body<T>(JsonElement? data, bool optional)
        where T : class =>
        data is not { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } element
            ? optional ? null : throw new MappingException("The event has no data.")
            : element.ValueKind != JsonValueKind.Object
                ? throw new MappingException("The data must be a JSON object.")
                : element.Deserialize<T>(Json);

    private static T Body<T>(JsonElement? data)
        where T : class => Body<T>(data, optional: false)!;

    internal sealed record RequestedLineData(string? OrderLineId, int Quantity, string? ReasonCode, ReasonClass? ReasonClass, List<string>? SerialNumbers);
    internal sealed record RequestedData(string? OrderId, List<RequestedLineData>? Lines, string? CustomerNote);
    internal sealed record NoteData(string? Note);
    internal sealed record LabelData(string? Carrier, string? TrackingNumber, string? LabelUrl);
    internal sealed record CarrierData(DateTimeOffset? OccurredAt);
    internal sealed record ReceivedLineData(string? LineId, int Quantity, List<string>? SerialNumbers, bool WrongItem);
    internal sealed record ReceiptData(List<ReceivedLineData>? Lines, bool Final, string? Warehouse);
    internal sealed record InspectedLineData(string? LineId, ItemGrade? Grade, string? ConditionNotes, List<string>? EvidenceRefs);
    internal sealed record InspectionData(List<InspectedLineData>? Lines);
    internal sealed record SettlementData(string? Reference);
}

/// <summary>A payload that parses but cannot become a command; its message is the dead letter's reason.</summary>
public sealed class MappingException(string message) : Exception(message);

/// <summary>Sends a command to its return (REST endpoints, mapped events and partner payloads alike).</summary>
public static class RmaCommandDispatcher
{
    public static Task<RmaResult> SendAsync(IRmaGrain grain, object command) => command switch
    {
        CreateRma c => grain.CreateAsync(c),
        ApproveRma c => grain.ApproveAsync(c),
        DeclineRma c => grain.DeclineAsync(c),
        FlagRmaForReview c => grain.FlagForReviewAsync(c),
        CancelRma c => grain.CancelAsync(c),
        PlaceRmaHold c => grain.PlaceHoldAsync(c),
        ReleaseRmaHold c => grain.ReleaseHoldAsync(c),
        RecordLabel c => grain.RecordLabelAsync(c),
        RecordCarrierEvent c => grain.RecordCarrierEventAsync(c),
        RecordReceipt c => grain.RecordReceiptAsync(c),
        RecordInspection c => grain.RecordInspectionAsync(c),
        DispositionRma c => grain.DispositionAsync(c),
        SettleRma c => grain.SettleAsync(c),
        ConfirmSettlement c => grain.ConfirmSettlementAsync(c),
        ResolveWithoutReturn c => grain.ResolveWithoutReturnAsync(c),
        ExpireRma c => grain.ExpireAsync(c),
        CloseRma c => grain.CloseAsync(c),
        ReopenRma c => grain.ReopenAsync(c),
        AddRmaNote c => grain.AddNoteAsync(c),
        _ => throw new ArgumentException($"No dispatch for {command.GetType().Name}.", nameof(command)),
    };
}
