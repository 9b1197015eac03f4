namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>item.inspected</c>: one line graded.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ItemInspected")]
public sealed record ItemInspected(
    [property: Id(0)] string LineId,
    [property: Id(1)] string Sku,
    [property: Id(2)] ItemGrade Grade,
    [property: Id(3)] string? ConditionNotes,
    [property: Id(4)] IReadOnlyList<string> EvidenceRefs) : IRmaEventData
{
    public const string WireName = "item.inspected";
}
