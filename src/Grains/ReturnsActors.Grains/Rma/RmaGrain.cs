using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReturnsActors.Grains.Telemetry;
using ReturnsActors.Grains.Inbound;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Stock;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Grains.Rma;

/// <summary>One return. Its events in the event log are its record; this grain's state is derived from them. Activation loads
/// the latest snapshot (the <c>rma</c> grain state, written every <see cref="RmaRecordOptions.SnapshotEvery"/> events and at
/// deactivation, never on every command) and folds the events after it (<see cref="RmaEvolve"/>). A command is decided by
/// <see cref="RmaMachine"/>; its events are appended to the log with the expected version (the append must extend the logged
/// chain, so a second writer fails that command only), and only then is it answered. The side effects of appended events (task
/// queues, order ledger, tracking index, warehouses, suppliers, routing) follow; each is idempotent by (rma, seq), and those after
/// the snapshot's <see cref="RmaState.EffectsThrough"/> run again at the next activation, so a crash between append and effect
/// loses none. A log the grain cannot read (an unknown or corrupt event) quarantines the return, not the silo; a snapshot that
/// disagrees with the log is discarded and the state rebuilt from the log.</summary>
public sealed partial class RmaGrain(
    [PersistentState("rma", StorageNames.Returns)] IPersistentState<RmaState> state,
    TimeProvider time,
    IOrderSource orders,
    IRmaEventLog eventLog,
    IStockSource stock,
    IOptions<RmaRecordOptions> options,
    ReturnsMetrics metrics,
    ILogger<RmaGrain> logger) : Grain, IRmaGrain, IRemindable
{
    private const string ReminderName = "rma-deadlines";
    private static readonly TimeSpan _minReminderDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _reminderRetryPeriod = TimeSpan.FromHours(1);

    private readonly List<RmaEvent> _effectsPending = [];
    private DateTimeOffset? _reminderDueAt;
    private bool _reminderSynced;
    private DeadlineTimer? _timer;
    private long _snapshotSeq;
    private long? _snapshotEffectsThrough;
    private bool _aheadOfRecord;
    private RmaUnavailableException? _quarantine;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch (RmaUnavailableException quarantined)
        {
            // The return stays active and answers every call with the reason; the silo and every other return go on.
            _quarantine = quarantined;
            state.State = new RmaState();
            return;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogLoadFailed(logger, ex, this.GetPrimaryKeyString());
            throw new RmaUnavailableException(RmaUnavailableException.LogUnavailable,
                "The return's event log could not be read; nothing was changed. Retry.", retryable: true);
        }

        if (_effectsPending.Count > 0)
        {
            await RunEffectsAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Spares the next activation the tail; the log is the record, so a snapshot that is not written costs only time.
        if (_quarantine is null && !_aheadOfRecord && state.State.Created
            && (state.State.LastSeq != _snapshotSeq || state.State.EffectsThrough != _snapshotEffectsThrough))
        {
            await WriteSnapshotAsync(cancellationToken);
        }
    }

    public async Task<RmaResult> CreateAsync(CreateRma command)
    {
        if ((Quarantined() ?? ReusedKey(command)) is { } refusedAtOnce)
        {
            return refusedAtOnce;
        }

        var (tenantId, rmaId) = ParseKey();
        if (tenantId.Length == 0 || rmaId.Length == 0)
        {
            return RmaResult.Refused(Rejection.Invalid("rma.key", "The grain key must be {tenantId}/{rmaId}."));
        }

        var now = time.GetUtcNow();
        OrderSnapshot? order = null;
        IReadOnlyDictionary<string, int> returned = new Dictionary<string, int>();
        var policy = DefaultPolicy.Document;
        if (!state.State.Created && !string.IsNullOrWhiteSpace(command.OrderId))
        {
            order = await orders.GetOrderAsync(tenantId, command.OrderId.Trim());
            if (order is not null)
            {
                returned = await Ledger(order.OrderId).GetReturnedAsync();
                policy = await PolicyInForce.ResolveAsync(GrainFactory, tenantId, order.BusinessUnit, now);
            }
        }

        var outcome = RmaMachine.Create(state.State, command, new CreateRmaContext(tenantId, rmaId, order, returned, policy, now));
        if (outcome is { Rejection: null, Replayed: false } && order is not null)
        {
            // The ledger re-checks atomically: two returns of the same order may race between read and reserve.
            var claims = state.State.Lines
                .Select(l => new LedgerClaim(l.OrderLineId, l.Quantity, order.Lines.First(o => o.OrderLineId == l.OrderLineId).Quantity))
                .ToList();
            if (await Ledger(order.OrderId).ReserveAsync(rmaId, claims) is { } refused)
            {
                state.State = new RmaState();
                return RmaResult.Refused(refused);
            }
        }

        return await FinishAsync(outcome, command);
    }

    public Task<RmaResult> ApproveAsync(ApproveRma command) => RunAsync(command);

    public Task<RmaResult> DeclineAsync(DeclineRma command) => RunAsync(command);

    public Task<RmaResult> FlagForReviewAsync(FlagRmaForReview command) => RunAsync(command);

    public Task<RmaResult> CancelAsync(CancelRma command) => RunAsync(command);

    public Task<RmaResult> RecordLabelAsync(RecordLabel command) => RunAsync(command);

    public Task<RmaResult> RecordCarrierEventAsync(RecordCarrierEvent command) => RunAsync(command);

    public Task<RmaResult> RecordReceiptAsync(RecordReceipt command) => RunAsync(command);

    public Task<RmaResult> RecordInspectionAsync(RecordInspection command) => RunAsync(command);

    public Task<RmaResult> DispositionAsync(DispositionRma command) => RunAsync(command);

    public async Task<RmaResult> SettleAsync(SettleRma command)
    {
        if ((Quarantined() ?? ReusedKey(command)) is { } refusedAtOnce)
        {
            return refusedAtOnce;
        }

        var s = state.State;
        var unavailable = new HashSet<string>();
        if (RmaMachine.IsReplacement(command.Kind) && s is { Created: true, Status: RmaStatus.Dispositioned, OnHold: false }
            && s.RecentCommands.All(r => r.CommandId != command.CommandId))
        {
            foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && l.Receipt != LineReceipt.WrongItem && l.QuantityReceived > 0))
            {
                if (!await stock.IsAvailableAsync(s.TenantId, line.Sku, line.QuantityReceived))
                {
                    unavailable.Add(line.Sku);
                }
            }
        }

        return await FinishAsync(RmaMachine.Handle(state.State, command, time.GetUtcNow(), unavailable), command);
    }

    public Task<RmaResult> ConfirmSettlementAsync(ConfirmSettlement command) => RunAsync(command);

    public Task<RmaResult> ResolveWithoutReturnAsync(ResolveWithoutReturn command) => RunAsync(command);

    public Task<RmaResult> ExpireAsync(ExpireRma command) => RunAsync(command);

    public Task<RmaResult> CloseAsync(CloseRma command) => RunAsync(command);

    public Task<RmaResult> ReopenAsync(ReopenRma command) => RunAsync(command);

    public Task<RmaResult> AddNoteAsync(AddRmaNote command) => RunAsync(command);

    public Task<RmaResult> PlaceHoldAsync(PlaceRmaHold command) => RunAsync(command);

    public Task<RmaResult> ReleaseHoldAsync(ReleaseRmaHold command) => RunAsync(command);

    public Task<RmaResult> RecordTaskActivityAsync(RecordTaskActivity command) => RunAsync(command);

    public Task<RmaResult> RecordRecommendationAsync(RecordRecommendation command) => RunAsync(command);

    public Task<RmaResult> OverrideRecommendationAsync(OverrideRecommendation command) => RunAsync(command);

    public async Task<RmaResult> RerouteAsync(RerouteRma command)
    {
        if ((Quarantined() ?? ReusedKey(command)) is { } refusedAtOnce)
        {
            return refusedAtOnce;
        }

        var decision = state.State.Created && RmaMachine.IsRoutable(state.State)
            ? WarehouseRouting.Choose(await Directory().ListAsync(), RmaMachine.ToRouteRequest(state.State, command.ExcludeWarehouseId ?? state.State.WarehouseId))
            : new RouteDecision(null, [], "Not routable.");
        return await FinishAsync(RmaMachine.Reroute(state.State, command, decision, time.GetUtcNow()), command);
    }

    public Task<RmaView?> GetAsync() =>
        Task.FromResult(ThrowIfQuarantined().Created ? RmaMachine.ToView(state.State) : null);

    public Task<RmaSnapshot?> GetSnapshotAsync() =>
        Task.FromResult(ThrowIfQuarantined().Created ? RmaMachine.ToSnapshot(state.State) : null);

    /// <summary>The whole history, from the log (a quarantined return's too: it is what an operator needs to repair it).</summary>
    public Task<IReadOnlyList<RmaEvent>> GetEventsAsync() => eventLog.ReadAsync(this.GetPrimaryKeyString());

    /// <summary>Recomputes the chain over the whole log, and checks that the state this grain holds is the log's head.</summary>
    public async Task<ChainVerification> VerifyAsync()
    {
        var logged = await eventLog.ReadAsync(this.GetPrimaryKeyString());
        var verification = AuditChain.Verify(logged);
        return verification.Valid && _quarantine is null && logged.Count > 0
            && (logged[^1].Seq != state.State.LastSeq || logged[^1].Hash != state.State.LastHash)
            ? verification with { Valid = false, FirstBrokenSeq = Math.Min(logged[^1].Seq, state.State.LastSeq) + 1 }
            : verification;
    }

    public async Task<RmaView?> CheckDeadlinesAsync()
    {
        if (_quarantine is not null || _aheadOfRecord)
        {
            return null;
        }

        var outcome = RmaMachine.CheckDeadlines(state.State, time.GetUtcNow());
        if (outcome.Changed)
        {
            await CommitAsync(outcome.Events);
        }

        await ScheduleAsync();
        return state.State.Created ? RmaMachine.ToView(state.State) : null;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await CheckDeadlinesAsync();
        }
    }

    private async Task<RmaResult> RunAsync(IRmaCommand command) =>
        Quarantined() ?? ReusedKey(command) ?? await FinishAsync(RmaMachine.Handle(state.State, command, time.GetUtcNow()), command);

    /// <summary>The same Idempotency-Key (command id) sent with another request than the first: refused, as the HTTP draft asks.</summary>
    private RmaResult? ReusedKey(IRmaCommand command) =>
        RequestContext.Get(RmaRequestContext.RequestFingerprint) is string fingerprint
        && state.State.RecentCommands.FirstOrDefault(r => r.CommandId == command.CommandId) is { Fingerprint: { } first }
        && first != fingerprint
            ? RmaResult.Refused(Rejection.Invalid("idempotency_key.reused",
                "This Idempotency-Key was first sent with a different method, path or body. Use a new key for a new request."))
            : null;

    private async Task<RmaResult> FinishAsync(RmaOutcome outcome, IRmaCommand command)
    {
        if (!outcome.Replayed && RequestContext.Get(RmaRequestContext.RequestFingerprint) is string fingerprint
            && state.State.RecentCommands.LastOrDefault(r => r.CommandId == command.CommandId) is { } record)
        {
            record.Fingerprint ??= fingerprint;
        }

        // A refusal changes nothing and is not recorded: a retried command id is decided again (the same answer unless the return
        // moved on meanwhile). An applied command id is in the log, so its retry is recognised and answered as the first time.
        if (outcome.Changed)
        {
            await CommitAsync(outcome.Events);
            await ScheduleAsync();
        }

        return outcome.Rejection is null
            ? RmaResult.Ok(RmaMachine.ToView(state.State), outcome.Replayed)
            : RmaResult.Refused(outcome.Rejection, outcome.Replayed);
    }

    private async Task ScheduleAsync()
    {
        ArmTimer();
        var next = RmaMachine.NextWake(state.State);
        // After (re)activation the registered reminder is unknown, so reconcile once before trusting the cache.
        if (_reminderSynced && next == _reminderDueAt)
        {
            return;
        }

        if (next is null)
        {
            var existing = await this.GetReminder(ReminderName);
            if (existing is not null)
            {
                await this.UnregisterReminder(existing);
            }
        }
        else
        {
            var delay = next.Value - time.GetUtcNow();
            // The hourly period is a safety net: a lost tick is retried, and the catch-up is idempotent.
            await this.RegisterOrUpdateReminder(ReminderName, delay < _minReminderDelay ? _minReminderDelay : delay, _reminderRetryPeriod);
        }

        _reminderDueAt = next;
        _reminderSynced = true;
    }

    private void ArmTimer() =>
        (_timer ??= new DeadlineTimer(this, CheckDeadlinesAsync)).Arm(RmaMachine.NextWake(state.State), time.GetUtcNow(), _reminderRetryPeriod);

    private IWarehouseDirectoryGrain Directory() => GrainFactory.GetGrain<IWarehouseDirectoryGrain>(ParseKey().TenantId);

    private IOrderLedgerGrain Ledger(string orderId) => GrainFactory.GetGrain<IOrderLedgerGrain>($"{ParseKey().TenantId}/{orderId}");

    private (string TenantId, string RmaId) ParseKey()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/');
        return slash <= 0 ? ("", "") : (key[..slash], key[(slash + 1)..]);
    }
}
