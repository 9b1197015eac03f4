using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.UnitTests;

internal static class Fixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static OrderSnapshot Order(string channel = "web", int deliveredDaysAgo = 3) =>
        new("demo", "ORD-1", channel, T0.AddDays(-deliveredDaysAgo), "EUR",
        [
            new OrderLine("1", "SKU-HP", "electronics", 1, 199.99m, ["SN-1"]),
            new OrderLine("2", "SKU-TS", "apparel", 3, 19.95m, []),
            new OrderLine("3", "SKU-GC", "gift_cards", 1, 50m, []),
            new OrderLine("4", "SKU-TV", "electronics", 2, 1500m, ["SN-TV-1", "SN-TV-2"]),
        ]);

    public static RequestedLine Headphones(ReasonClass reason = ReasonClass.Convenience, params string[] serials) =>
        new("1", 1, "changed_mind", reason, serials.Length == 0 ? ["SN-1"] : serials);

    public static RequestedLine Shirts(int quantity = 2, ReasonClass reason = ReasonClass.Convenience) =>
        new("2", quantity, "too_small", reason);

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static (RmaState State, RmaOutcome Outcome) Create(
        IReadOnlyList<RequestedLine> lines,
        OrderSnapshot? order = null,
        PolicyDocument? policy = null,
        IReadOnlyDictionary<string, int>? returned = null,
        bool fraudSignal = false,
        DateTimeOffset? now = null,
        string commandId = "create-1")
    {
        var state = new RmaState();
        var outcome = RmaMachine.Create(state, new CreateRma(commandId, "customer:c-1", "ORD-1", lines, null, fraudSignal),
            new CreateRmaContext("demo", "RMA-1", order ?? Order(), returned ?? new Dictionary<string, int>(), policy ?? DefaultPolicy.Document, now ?? T0));
        return (state, outcome);
    }

    public static RmaOutcome Do(RmaState state, IRmaCommand command, DateTimeOffset? at = null) =>
        RmaMachine.Handle(state, command, at ?? T0.AddHours(1));

    /// <summary>Two shirts (39.90 EUR, convenience): authorized at once.</summary>
    public static RmaState Authorized(params RequestedLine[] lines)
    {
        var (state, outcome) = Create(lines.Length == 0 ? [Shirts()] : lines);
        Assert.Null(outcome.Rejection);
        Assert.Equal(RmaStatus.Authorized, state.Status);
        return state;
    }

    public static RmaState Received(params RequestedLine[] lines)
    {
        var state = Authorized(lines);
        Ok(state, new RecordLabel(NewId(), "agent:a", "ups", "1Z999"));
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered));
        Ok(state, new RecordReceipt(NewId(), "warehouse:w1",
            state.Lines.Select(l => new ReceivedLine(l.LineId, l.Quantity, l.SerialNumbers)).ToList(), Final: true));
        Assert.Equal(RmaStatus.Received, state.Status);
        return state;
    }

    public static RmaState Dispositioned(ItemGrade grade = ItemGrade.A, params RequestedLine[] lines)
    {
        var state = Received(lines);
        Ok(state, new RecordInspection(NewId(), "inspector:i", state.Lines.Select(l => new InspectedLine(l.LineId, grade, "ok")).ToList()));
        Ok(state, new DispositionRma(NewId(), "inspector:i"));
        if (state.Status == RmaStatus.Inspecting)
        {
            // The policy sent the lines to quality review; the reviewer scraps them.
            Ok(state, new DispositionRma(NewId(), "quality:q",
                state.Lines.Where(l => l.Disposition == Disposition.QualityReview).Select(l => new LineDisposition(l.LineId, Disposition.Scrap)).ToList()));
        }

        Assert.Equal(RmaStatus.Dispositioned, state.Status);
        return state;
    }

    public static RmaOutcome Ok(RmaState state, IRmaCommand command, DateTimeOffset? at = null)
    {
        var outcome = Do(state, command, at);
        Assert.True(outcome.Rejection is null, $"{command.GetType().Name} refused: {outcome.Rejection?.Code} {outcome.Rejection?.Detail}");
        return outcome;
    }

    public static IEnumerable<string> Types(this IEnumerable<RmaEvent> events) => events.Select(e => e.Type);
}
