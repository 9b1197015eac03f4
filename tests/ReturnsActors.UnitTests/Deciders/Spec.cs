using ReturnsActors.Grains;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

/// <summary>Given events / when command / then events (or rejection), against the real deciders behind <see cref="RmaMachine"/>
/// and the real <see cref="RmaEvolve"/>: the given events are folded into the state the command is decided on.</summary>
internal static class Spec
{
    public const string RmaId = "RMA-1";

    public static readonly Money Shirt = new(19.95m, "EUR");

    public static readonly ReturnRequestedLine TwoShirts = new("L1", "2", "SKU-TS", "apparel", 2, [], Shirt, "too_small", ReasonClass.Convenience);

    public static readonly ReturnRequestedLine HeadphonesLine = new("L2", "1", "SKU-HP", "electronics", 1, ["SN-1"], new Money(199.99m, "EUR"),
        "changed_mind", ReasonClass.Defect);

    /// <summary>A return opened at <see cref="Fixtures.T0"/> under <paramref name="policy"/> (default: the built-in one).</summary>
    public static ReturnRequested Requested(PolicyDocument? policy = null, params ReturnRequestedLine[] lines)
    {
        var p = policy ?? DefaultPolicy.Document;
        return new ReturnRequested("ORD-1", "web", null, false, lines.Length == 0 ? [TwoShirts] : lines, null, null, p.Sla,
            T0.AddDays(-3), PolicyTerms.Of(p));
    }

    public static ReturnAuthorized Authorization(params string[] lineIds) =>
        new(null, (lineIds.Length == 0 ? ["L1"] : lineIds).Select(id => new AuthorizedLine(id, LineAcceptance.Accepted)).ToList());

    public static ReceiptRecorded ReceivedInFull(ReturnRequestedLine line) =>
        new(null, null, true, true, RmaStatus.Received,
            [new ReceiptLine(line.LineId, line.Quantity, line.SerialNumbers, false, LineReceipt.Received, line.Quantity, false)]);

    public static IRmaEventData[] DispositionedEvents(ReturnRequestedLine line, ItemGrade grade = ItemGrade.A, Disposition disposition = Disposition.Restock) =>
    [
        Requested(null, line), Authorization(line.LineId), ReceivedInFull(line),
        new ItemInspected(line.LineId, line.Sku, grade, null, []),
        new ItemDispositioned(line.LineId, line.Sku, grade, disposition, RmaStatus.Dispositioned),
    ];

    /// <summary>The state after <paramref name="events"/>, all logged at <see cref="Fixtures.T0"/>.</summary>
    public static RmaState Given(params IRmaEventData[] events) => GivenAt(T0, events);

    /// <summary>The state after <paramref name="events"/>, all logged at <paramref name="at"/>.</summary>
    public static RmaState GivenAt(DateTimeOffset at, params IRmaEventData[] events)
    {
        var log = new List<RmaEvent>();
        foreach (var data in events)
        {
            var version = data is ReturnRequested { Policy: { } p } ? p.Version : 0;
            log.Add(AuditChain.Next(log.Count, log.Count == 0 ? AuditChain.GenesisHash : log[^1].Hash, data, at, "given", $"given-{log.Count + 1}",
                version, []));
        }

        return RmaEvolve.Fold("demo", RmaId, log);
    }

    public static RmaOutcome When(RmaState given, IRmaCommand command, DateTimeOffset? at = null, IReadOnlySet<string>? unavailableSkus = null) =>
        RmaMachine.Handle(given, command, at ?? T0.AddHours(1), unavailableSkus);

    /// <summary>The command was taken and raised exactly <paramref name="expected"/>, in order, payloads as written to the log.</summary>
    public static void Then(RmaOutcome outcome, params IRmaEventData[] expected)
    {
        Assert.True(outcome.Rejection is null, $"refused: {outcome.Rejection?.Code} {outcome.Rejection?.Detail}");
        Assert.Equal(expected.Select(RmaEventCatalog.Serialize).ToList(), outcome.Events.Select(e => (e.Type, e.DataJson)).ToList());
    }

    /// <summary>The command is refused with <paramref name="code"/>, raises nothing and leaves the state exactly as it was; only
    /// the answer is remembered, so the same command id is answered the same way.</summary>
    public static Rejection ThenRejected(RmaState given, IRmaCommand command, string code, DateTimeOffset? at = null, IReadOnlySet<string>? unavailableSkus = null)
    {
        var before = FoldPropertyTests.DomainJson(given);
        var remembered = given.RecentCommands.Count;

        var outcome = When(given, command, at, unavailableSkus);

        Assert.NotNull(outcome.Rejection);
        Assert.Equal(code, outcome.Rejection.Code);
        Assert.Empty(outcome.Events);
        Assert.Equal(before, FoldPropertyTests.DomainJson(given));
        Assert.Equal(remembered + 1, given.RecentCommands.Count);
        Assert.Equal(command.CommandId, given.RecentCommands[^1].CommandId);
        Assert.Equal(code, When(given, command, at, unavailableSkus).Rejection?.Code);
        return outcome.Rejection;
    }

    public static TaskCreated Task(long seq, string queue, string kind, string reason) => new($"{RmaId}-{kind}-{seq}", queue, kind, reason);
}
