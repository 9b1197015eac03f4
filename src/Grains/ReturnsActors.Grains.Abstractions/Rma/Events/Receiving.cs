namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>receipt.recorded</c>: what a dock received. <paramref name="PreviousWarehouse"/> is set when goods of a routed return
/// arrived at another dock, which owns them from now on; <paramref name="FirstArrival"/> is the first receipt where anything arrived.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReceiptRecorded")]
public sealed record ReceiptRecorded(
    [property: Id(0)] string? Warehouse,
    [property: Id(1)] string? PreviousWarehouse,
    [property: Id(2)] bool Final,
    [property: Id(3)] bool FirstArrival,
    [property: Id(4)] RmaStatus Status,
    [property: Id(5)] IReadOnlyList<ReceiptLine> Lines) : IRmaEventData
{
    public const string WireName = "receipt.recorded";
}

/// <summary>One line of <see cref="ReceiptRecorded"/>. A line closed by a final receipt without arriving carries only its id,
/// quantity 0, receipt and quantity received so far (no serials, wrong-item or mismatch flags).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReceiptLine")]
public sealed record ReceiptLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] int Quantity,
    [property: Id(2)] IReadOnlyList<string>? SerialNumbers,
    [property: Id(3)] bool? WrongItem,
    [property: Id(4)] LineReceipt Receipt,
    [property: Id(5)] int QuantityReceived,
    [property: Id(6)] bool? SerialMismatch);
