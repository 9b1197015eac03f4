namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>item.dispositioned</c>: what happens to one inspected line (<c>quality_review</c> waits for a person).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ItemDispositioned")]
public sealed record ItemDispositioned(
    [property: Id(0)] string LineId,
    [property: Id(1)] string Sku,
    [property: Id(2)] ItemGrade? Grade,
    [property: Id(3)] Disposition Disposition) : IRmaEventData
{
    public const string WireName = "item.dispositioned";
}
