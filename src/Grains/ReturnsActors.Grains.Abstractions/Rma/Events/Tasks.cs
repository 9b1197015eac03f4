namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>task.created</c>: a human task of <paramref name="Kind"/> in <paramref name="Queue"/> (created by the grain's reaction).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.TaskCreated")]
public sealed record TaskCreated([property: Id(0)] string TaskId, [property: Id(1)] string Queue, [property: Id(2)] string Kind, [property: Id(3)] string Reason) : IRmaEventData
{
    public const string WireName = "task.created";
}

/// <summary>Something that happened to one of the return's tasks, recorded on its trail.</summary>
public interface ITaskActivityEvent : IRmaEventData
{
    string TaskId { get; }

    string Queue { get; }

    string? Detail { get; }
}

/// <summary><c>task.assigned</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.TaskAssigned")]
public sealed record TaskAssigned([property: Id(0)] string TaskId, [property: Id(1)] string Queue, [property: Id(2)] string? Detail) : ITaskActivityEvent
{
    public const string WireName = "task.assigned";
}

/// <summary><c>task.completed</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.TaskCompleted")]
public sealed record TaskCompleted([property: Id(0)] string TaskId, [property: Id(1)] string Queue, [property: Id(2)] string? Detail) : ITaskActivityEvent
{
    public const string WireName = "task.completed";
}

/// <summary><c>task.escalated</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.TaskEscalated")]
public sealed record TaskEscalated([property: Id(0)] string TaskId, [property: Id(1)] string Queue, [property: Id(2)] string? Detail) : ITaskActivityEvent
{
    public const string WireName = "task.escalated";
}
