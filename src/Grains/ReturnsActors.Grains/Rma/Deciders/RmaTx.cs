using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>One command's decision context and unit of work: the state decided on, the time, who asks, and the events raised.
/// <see cref="Raise"/> appends an event to the chain and applies it through <see cref="RmaEvolve"/> at once, so a later step of
/// the same command sees its effect; a decider validates before it raises, so a rejection leaves the state as it was.</summary>
internal sealed class RmaTx(RmaState state, DateTimeOffset now, string actor, string commandId)
{
    public RmaTx(RmaState state, DateTimeOffset now, IRmaCommand cmd) : this(state, now, cmd.Actor, cmd.CommandId)
    {
    }

    public RmaState State { get; } = state;
    public DateTimeOffset Now { get; } = now;
    public List<RmaEvent> Events { get; } = [];

    public void Raise(IRmaEventData data, IReadOnlyList<string>? rules = null)
    {
        // The return's opening event is the first one governed by the policy it names.
        var policyVersion = data is ReturnRequested { Policy: { } policy } ? policy.Version : State.Policy.Version;
        var e = AuditChain.Next(State.LastSeq, State.LastHash, data, Now, actor, commandId, policyVersion, rules ?? []);
        RmaEvolve.Append(State, e, data);
        Events.Add(e);
    }

    /// <summary>Raises <c>task.created</c>: a human task of <paramref name="kind"/> in <paramref name="queue"/>, its id unique per return.</summary>
    public void CreateTask(string queue, string kind, string reason, IReadOnlyList<string> rules) =>
        Raise(new TaskCreated($"{State.RmaId}-{kind}-{State.LastSeq + 1}", queue, kind, reason), rules);
}

/// <summary>The guards the deciders share.</summary>
internal static class Guards
{
    public static readonly RmaStatus[] Terminal = [RmaStatus.Closed, RmaStatus.Cancelled, RmaStatus.Expired, RmaStatus.Declined];

    public static Rejection? Illegal(RmaState s, string action, params RmaStatus[] allowed) =>
        allowed.Contains(s.Status)
            ? null
            : Rejection.Conflict("rma.illegal_transition", $"Cannot {action} a return that is {s.Status}; allowed from {string.Join(", ", allowed)}.");

    public static Rejection? Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value)
            ? Rejection.Invalid($"{field}.required", $"'{field}' is required.", new Dictionary<string, string[]> { [field] = ["Required."] })
            : null;

    /// <summary>Settlement pauses while the return is on hold.</summary>
    public static Rejection? OnHold(RmaState s) =>
        s.OnHold ? Rejection.Conflict("rma.on_hold", $"Settlement is paused while the return is on hold ({s.HoldReason}).") : null;
}
