namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>note.added</c>: a note on the audit trail.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.NoteAdded")]
public sealed record NoteAdded([property: Id(0)] string Text) : IRmaEventData
{
    public const string WireName = "note.added";
}
