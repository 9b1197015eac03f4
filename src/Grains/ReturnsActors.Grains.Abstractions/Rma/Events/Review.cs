namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>return.authorized</c>: the return may be shipped back; each line's acceptance after the decision.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnAuthorized")]
public sealed record ReturnAuthorized([property: Id(0)] string? Note, [property: Id(1)] IReadOnlyList<AuthorizedLine> Lines) : IRmaEventData
{
    public const string WireName = "return.authorized";
}

/// <summary>One line of <see cref="ReturnAuthorized"/>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.AuthorizedLine")]
public sealed record AuthorizedLine([property: Id(0)] string LineId, [property: Id(1)] LineAcceptance Acceptance);

/// <summary><c>return.flagged</c>: the return went to manual review in <paramref name="Queue"/>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnFlagged")]
public sealed record ReturnFlagged([property: Id(0)] string Reason, [property: Id(1)] string Queue) : IRmaEventData
{
    public const string WireName = "return.flagged";
}

/// <summary><c>return.declined</c>: every line was rejected.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnDeclined")]
public sealed record ReturnDeclined([property: Id(0)] string Reason) : IRmaEventData
{
    public const string WireName = "return.declined";
}
