namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>item.dispositioned</c>: what happens to one inspected line (<c>quality_review</c> waits for a person). Additive,
/// absent in events written before it: <c>status</c>, the return's status once the dispositions decided with this one are applied
/// (<c>inspecting</c> while a line awaits quality review, else <c>dispositioned</c>).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ItemDispositioned")]
public sealed record ItemDispositioned(
    [property: Id(0)] string LineId,
    [property: Id(1)] string Sku,
    [property: Id(2)] ItemGrade? Grade,
    [property: Id(3)] Disposition Disposition,
    [property: Id(4)] RmaStatus? Status = null) : IRmaEventData
{
    public const string WireName = "item.dispositioned";
}
