using ReturnsActors.Api.Advisory;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>
/// Records a recommendation on every new return (<c>return.requested</c>) and every exception (<c>return.hold_placed</c>, or a
/// <c>task.created</c> of an exception kind: fraud hold, wrong item, serial mismatch or missing, carrier loss, quality review,
/// replacement out of stock), through the same RMA command as the API, so governance may apply it in the same write. One command
/// answers the first triggering event of each triggering command, with the id <c>advice:{seq}</c>: the dispatcher's at-least-once
/// delivery (checkpoint after the grain answered) plus the grain's command-id idempotency make it exactly once on the trail.
/// Events the advisor itself caused are not triggers. It sends nothing outside the cluster.
/// </summary>
internal sealed partial class AdvisoryChannel(IGrainFactory grains, ReturnAdvice advice, AdvisoryModels models, TimeProvider time, ILogger<AdvisoryChannel> logger)
    : IConnectorChannel
{
    // Short: the dispatcher serves every channel from one loop; past this the event is retried with the dispatcher's backoff.
    private static readonly TimeSpan ModelWait = TimeSpan.FromSeconds(3);

    private static readonly HashSet<string> ExceptionTaskKinds =
    [
        TaskQueues.KindFraud, TaskQueues.KindWrongItem, TaskQueues.KindSerialMismatch, TaskQueues.KindSerialMissing,
        TaskQueues.KindCarrierLost, TaskQueues.KindQualityReview, TaskQueues.KindReplacementOutOfStock,
    ];

    public string Name => "advisory";

    public bool Wants(string eventType) => eventType is ReturnRequested.WireName or ReturnHoldPlaced.WireName or TaskCreated.WireName;

    public async Task<(bool Sent, string? Error)> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IRmaGrain>($"{e.TenantId}/{e.RmaId}");
        var trail = await grain.GetEventsAsync();
        var trigger = trail.FirstOrDefault(t => t.Seq == e.Seq);
        // The first trigger of its command answers for the command; one archived out of grain state is judged by its own data.
        if (trigger is null ? !IsTrigger(e.Type, e.DataJson) : FirstTriggerOfItsCommand(trail, trigger)?.Seq != e.Seq)
        {
            return (true, null);
        }

        if (await ModelsAsync(cancellationToken) is not { } current)
        {
            return (false, "the advisory models are not loaded yet");
        }

        if (await grain.GetAsync() is not { } rma)
        {
            return (true, null);
        }

        var found = await advice.AdviseAsync(current.Advisor, rma, cancellationToken);
        var result = await grain.RecordRecommendationAsync(found.ToCommand($"advice:{e.Seq}", e.Seq));
        if (result.Rejection is { } rejection)
        {
            // A refusal is remembered under the command id, so a retry would only get it again.
            LogRefused(e.TenantId, e.RmaId, e.Seq, rejection.Code, rejection.Detail);
        }

        return (true, null);
    }

    private static RmaEvent? FirstTriggerOfItsCommand(IReadOnlyList<RmaEvent> trail, RmaEvent e) =>
        e.Actor.StartsWith("advisor:", StringComparison.Ordinal)
            ? null
            : trail.Where(t => t.CommandId == e.CommandId && t.Seq <= e.Seq).FirstOrDefault(t => IsTrigger(t.Type, t.DataJson));

    private static bool IsTrigger(string type, string dataJson) => RmaEventCatalog.Deserialize(type, dataJson) switch
    {
        ReturnRequested or ReturnHoldPlaced => true,
        TaskCreated task => task.Kind is { } kind && ExceptionTaskKinds.Contains(kind),
        _ => false,
    };

    /// <summary>The models, waiting briefly for them to load (the first read starts training); the event is retried, never skipped,
    /// when they are not there yet.</summary>
    private async Task<(ReturnsActors.Advisory.ReturnAdvisor Advisor, ReturnsActors.Advisory.ReasonTriage Triage)?> ModelsAsync(CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + ModelWait;
        while (models.Current is null && time.GetUtcNow() < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }

        return models.Current;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recommendation for tenant {TenantId} return {RmaId} seq {Seq} refused: {Code} {Detail}")]
    private partial void LogRefused(string tenantId, string rmaId, long seq, string code, string detail);
}
