namespace ReturnsActors.Grains.Rma.Events;

/// <summary>An SLA event of one stage (authorize, ship, receive, inspect, refund).</summary>
public interface ISlaEvent : IRmaEventData
{
    string Stage { get; }

    DateTimeOffset DueAt { get; }
}

/// <summary><c>sla.warning</c>: the stage passed its warning time.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.SlaWarning")]
public sealed record SlaWarning([property: Id(0)] string Stage, [property: Id(1)] DateTimeOffset DueAt, [property: Id(2)] DateTimeOffset WarnAt) : ISlaEvent
{
    public const string WireName = "sla.warning";
}

/// <summary><c>sla.breached</c>: the stage passed its due time.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.SlaBreached")]
public sealed record SlaBreached([property: Id(0)] string Stage, [property: Id(1)] DateTimeOffset DueAt) : ISlaEvent
{
    public const string WireName = "sla.breached";
}
