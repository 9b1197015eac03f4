using Microsoft.Extensions.Logging;
using ReturnsActors.Grains.Inbound;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Stock;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Grains.Rma;

/// <summary>Thin shell around <see cref="RmaMachine"/>: load state, decide, persist state and outbox in one write,
/// then drain the outbox to the event log and side effects (tasks, order ledger). One state write per command: the
/// drained outbox is cleared in memory and recorded by the next state write (or at deactivation); until then the stored
/// outbox still holds drained events, which an activation drains again, idempotently by (rma, seq).</summary>
public sealed class RmaGrain(
    [PersistentState("rma", StorageNames.Returns)] IPersistentState<RmaState> state,
    TimeProvider time,
    IOrderSource orders,
    IRmaEventLog eventLog,
    IStockSource stock,
    ILogger<RmaGrain> logger) : Grain, IRmaGrain, IRemindable
{
    /// <summary>Events kept in grain state; older ones live in the event log only (after they were drained).</summary>
    public const int MaxEventsInState = 500;

    private const string ReminderName = "rma-deadlines";
    private static readonly TimeSpan _minReminderDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _reminderRetryPeriod = TimeSpan.FromHours(1);

    private DateTimeOffset? _reminderDueAt;
    private bool _reminderSynced;
    private DeadlineTimer? _timer;
    private bool _drainedSinceWrite;
    private bool _aheadOfStorage;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A crash between the state write and the drain leaves events in the outbox; deliver them now.
        if (state.State.Outbox.Count > 0)
        {
            await DrainAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Spares the next activation a re-drain; after a crash that re-drain is the repair, so this is best effort.
        if (_drainedSinceWrite && !_aheadOfStorage)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogInformation(ex, "Recording the drained outbox of return {Rma} at deactivation failed; the next activation drains it again.",
                    this.GetPrimaryKeyString());
            }
        }
    }

    public async Task<RmaResult> CreateAsync(CreateRma command)
    {
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

        return await FinishAsync(outcome);
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

        return await FinishAsync(RmaMachine.Handle(state.State, command, time.GetUtcNow(), unavailable));
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
        var decision = state.State.Created && RmaMachine.IsRoutable(state.State)
            ? WarehouseRouting.Choose(await Directory().ListAsync(), RmaMachine.ToRouteRequest(state.State, command.ExcludeWarehouseId ?? state.State.WarehouseId))
            : new RouteDecision(null, [], "Not routable.");
        return await FinishAsync(RmaMachine.Reroute(state.State, command, decision, time.GetUtcNow()));
    }

    public Task<RmaView?> GetAsync() => Task.FromResult(state.State.Created ? RmaMachine.ToView(state.State) : null);

    public Task<RmaSnapshot?> GetSnapshotAsync() => Task.FromResult(state.State.Created ? RmaMachine.ToSnapshot(state.State) : null);

    public Task<IReadOnlyList<RmaEvent>> GetEventsAsync() => Task.FromResult<IReadOnlyList<RmaEvent>>(state.State.Events.ToList());

    public Task<ChainVerification> VerifyAsync() =>
        Task.FromResult(AuditChain.Verify(state.State.Events, state.State.ChainAnchorSeq, state.State.ChainAnchorHash));

    public async Task<RmaView?> CheckDeadlinesAsync()
    {
        var outcome = RmaMachine.CheckDeadlines(state.State, time.GetUtcNow());
        if (outcome.Changed)
        {
            await PersistAsync();
            await DrainAsync();
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
        await FinishAsync(RmaMachine.Handle(state.State, command, time.GetUtcNow()));

    private async Task<RmaResult> FinishAsync(RmaOutcome outcome)
    {
        // A refusal is remembered too (a retried command id gets the same answer), but only for a return that exists.
        if (outcome.Changed || (outcome.Rejection is not null && !outcome.Replayed && state.State.Created))
        {
            await PersistAsync();
        }

        if (outcome.Changed)
        {
            await DrainAsync();
            await ScheduleAsync();
        }

        return outcome.Rejection is null
            ? RmaResult.Ok(RmaMachine.ToView(state.State), outcome.Replayed)
            : RmaResult.Refused(outcome.Rejection, outcome.Replayed);
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
            _drainedSinceWrite = false;
        }
        catch
        {
            // Memory is now ahead of storage; drop the activation so the next call reloads what is durable.
            _aheadOfStorage = true;
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task DrainAsync()
    {
        var pending = state.State.Outbox.ToList();
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            await eventLog.AppendAsync(this.GetPrimaryKeyString(), pending);
            var typed = pending.Select(e => (Event: e, Data: RmaEventCatalog.Deserialize(e))).ToList();
            foreach (var (e, data) in typed)
            {
                await ApplySideEffectAsync(e, data);
            }

            await ReportToWarehousesAsync(typed);
            await ClaimFromSuppliersAsync(typed);
            if (typed.Any(e => e.Data is ReturnAuthorized))
            {
                // Routing is decided here, after the authorization is durable; its events join the outbox and are drained below.
                await RouteAsync(pending[^1].Seq);
            }
        }
        catch (Exception ex)
        {
            // Left in the outbox: retried after the next command, deadline check or activation.
            logger.LogWarning(ex, "Draining {Count} events of return {Rma} failed; will retry.", pending.Count, this.GetPrimaryKeyString());
            return;
        }

        var drainedThrough = pending[^1].Seq;
        state.State.Outbox.RemoveAll(e => e.Seq <= drainedThrough);
        TrimHistory();
        _drainedSinceWrite = true;
        if (state.State.Outbox.Count > 0)
        {
            // Routing raised events while draining: a state change, made durable before it is drained.
            await PersistAsync();
            await DrainAsync();
        }
    }

    private async Task RouteAsync(long authorizedThrough)
    {
        if (state.State.RoutingDecided || !RmaMachine.IsRoutable(state.State))
        {
            return;
        }

        var warehouses = await Directory().ListAsync();
        // A tenant without warehouses does not route: returns behave as before warehouses existed.
        if (warehouses.Count == 0)
        {
            return;
        }

        var decision = WarehouseRouting.Choose(warehouses, RmaMachine.ToRouteRequest(state.State));
        RmaMachine.RecordRoute(state.State, decision, time.GetUtcNow(), $"route:{authorizedThrough}");
    }

    /// <summary>Reports the warehouse-relevant events to the warehouse they concern, through the per-silo aggregator
    /// (never the warehouse grain itself). Completes when the warehouse applied them; retried with the outbox otherwise.</summary>
    private async Task ReportToWarehousesAsync(IReadOnlyList<(RmaEvent Event, IRmaEventData Data)> events)
    {
        var (tenantId, rmaId) = ParseKey();
        var reports = new List<(string Warehouse, WarehouseReportItem Item)>();
        var current = state.State.WarehouseId;
        foreach (var (e, data) in events)
        {
            WarehouseReportItem Report(WarehouseReportKind kind, int units, string? lineId = null, ItemGrade? grade = null, Disposition? disposition = null) =>
                new(rmaId, e.Seq, kind, units, e.OccurredAt, lineId, grade, disposition);

            switch (data)
            {
                case ReturnRouted routed:
                    if (routed.PreviousWarehouse is { } previous)
                    {
                        reports.Add((previous, Report(WarehouseReportKind.Unrouted, routed.Units)));
                    }

                    reports.Add((routed.Warehouse, Report(WarehouseReportKind.Routed, routed.Units)));
                    break;
                case ReceiptRecorded receipt when current is { } warehouse:
                    if (receipt.PreviousWarehouse is { } moved)
                    {
                        reports.Add((moved, Report(WarehouseReportKind.Unrouted, 0)));
                    }

                    reports.Add((warehouse, Report(WarehouseReportKind.Received, receipt.Lines.Where(l => l.WrongItem != true).Sum(l => l.Quantity))));
                    break;
                case ItemInspected inspected when current is { } warehouse:
                    var inspectedLine = state.State.Lines.FirstOrDefault(l => l.LineId == inspected.LineId);
                    reports.Add((warehouse, Report(WarehouseReportKind.Inspected, inspectedLine?.QuantityReceived ?? 0, inspected.LineId, inspectedLine?.Grade)));
                    break;
                case ItemDispositioned dispositioned when current is { } warehouse:
                    var line = state.State.Lines.FirstOrDefault(l => l.LineId == dispositioned.LineId);
                    reports.Add((warehouse, Report(WarehouseReportKind.Dispositioned, line?.QuantityReceived ?? 0, dispositioned.LineId, null, line?.Disposition)));
                    break;
                case ReturnCancelled or ReturnDeclined or ReturnExpired when current is { } warehouse:
                    reports.Add((warehouse, Report(WarehouseReportKind.Unrouted, 0)));
                    break;
            }
        }

        if (reports.Count == 0)
        {
            return;
        }

        var aggregator = GrainFactory.GetGrain<IWarehouseReportAggregatorGrain>(0);
        await Task.WhenAll(reports.GroupBy(r => r.Warehouse)
            .Select(g => aggregator.ReportAsync($"{tenantId}/{g.Key}", g.Select(r => r.Item).ToList())));
    }

    /// <summary>Drafts vendor claim lines for lines dispositioned to vendor, at their supplier; idempotent by (rma, line).</summary>
    private async Task ClaimFromSuppliersAsync(IReadOnlyList<(RmaEvent Event, IRmaEventData Data)> events)
    {
        var lineIds = events.Select(e => e.Data).OfType<ItemDispositioned>().Select(d => d.LineId).ToHashSet(StringComparer.Ordinal);
        var claimable = state.State.Lines
            .Where(l => lineIds.Contains(l.LineId) && l.Disposition == Disposition.ReturnToVendor && l.SupplierId is not null)
            .ToList();
        var (tenantId, rmaId) = ParseKey();
        foreach (var bySupplier in claimable.GroupBy(l => l.SupplierId!))
        {
            var outcomes = await GrainFactory.GetGrain<ISupplierGrain>($"{tenantId}/{bySupplier.Key}").AddClaimLinesAsync(bySupplier
                .Select(l => new ClaimLineInput(rmaId, l.LineId, l.Sku, l.QuantityReceived, l.UnitPrice, l.ReasonCode, l.ReasonClass, l.Grade, l.ConditionNotes))
                .ToList());
            foreach (var refused in outcomes.Where(o => o.Rejection is not null))
            {
                logger.LogInformation("Line {Line} of return {Rma} not claimed from supplier {Supplier}: {Reason}",
                    refused.LineId, rmaId, bySupplier.Key, refused.Rejection!.Detail);
            }
        }
    }

    private async Task ApplySideEffectAsync(RmaEvent e, IRmaEventData data)
    {
        var (tenantId, rmaId) = ParseKey();
        switch (data)
        {
            case TaskCreated task:
                await GrainFactory.GetGrain<ITaskQueueGrain>($"{tenantId}/{task.Queue}").CreateAsync(new CreateHumanTask(
                    task.TaskId, task.Kind, rmaId, task.Reason ?? "", e.OccurredAt));
                break;
            case ReturnCancelled or ReturnDeclined or ReturnExpired:
                await Ledger(state.State.OrderId).ReleaseAsync(rmaId);
                break;
            case LabelCreated { TrackingNumber.Length: > 0 } label:
                // Carrier webhooks name the parcel, not the return: every path that records a label indexes it here.
                await GrainFactory.GetGrain<ITrackingIndexGrain>($"{tenantId}/{label.TrackingNumber}").SetAsync(rmaId);
                break;
        }
    }

    private void TrimHistory()
    {
        var excess = state.State.Events.Count - MaxEventsInState;
        if (excess <= 0)
        {
            return;
        }

        var anchor = state.State.Events[excess - 1];
        state.State.Events.RemoveRange(0, excess);
        state.State.ChainAnchorSeq = anchor.Seq;
        state.State.ChainAnchorHash = anchor.Hash;
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
