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
    private const int MaxRecentCommands = RmaMachine.MaxRecentCommands;
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
        if (_quarantine is not null)
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

    /// <summary>Makes the decided events the record: appends them (the command fails if that does not commit), then runs their
    /// side effects and writes a snapshot when one is due.</summary>
    private async Task CommitAsync(IReadOnlyList<RmaEvent> events)
    {
        try
        {
            await eventLog.AppendAsync(this.GetPrimaryKeyString(), events);
        }
        catch (Exception ex)
        {
            // Memory is now ahead of the record: drop the activation so the next call reloads what the log holds.
            _aheadOfRecord = true;
            DeactivateOnIdle();
            LogAppendFailed(logger, ex, this.GetPrimaryKeyString(), events.Count);
            throw ex is RmaAppendConflictException
                ? new RmaUnavailableException(RmaUnavailableException.WriteConflict,
                    "Another writer appended to this return first; nothing of this command was recorded. Retry it.", retryable: true)
                : new RmaUnavailableException(RmaUnavailableException.LogUnavailable,
                    "The return's event log could not be written; nothing of this command was recorded. Retry it.", retryable: true);
        }

        // The log holds them now; a snapshot carries none.
        state.State.Events.Clear();
        state.State.Outbox.Clear();
        _effectsPending.AddRange(events);
        await RunEffectsAsync();
        if (_effectsPending.Count == 0 && state.State.LastSeq - _snapshotSeq >= options.Value.SnapshotEvery)
        {
            await WriteSnapshotAsync(CancellationToken.None);
        }
    }

    /// <summary>Runs the side effects of the appended events, oldest first. A failure leaves them pending: they run again after the
    /// next command, deadline check or activation (every effect is idempotent by (rma, seq)).</summary>
    private async Task RunEffectsAsync()
    {
        while (_effectsPending.Count > 0)
        {
            var pending = _effectsPending.ToList();
            RmaOutcome? routed = null;
            try
            {
                var typed = pending.Select(e => (Event: e, Data: RmaEventCatalog.Deserialize(e))).ToList();
                foreach (var (e, data) in typed)
                {
                    await ApplySideEffectAsync(e, data);
                }

                await ReportToWarehousesAsync(typed);
                await ClaimFromSuppliersAsync(typed);
                if (typed.Any(e => e.Data is ReturnAuthorized))
                {
                    // Routing is decided here, after the authorization is durable; its events are appended below.
                    routed = await RouteAsync(pending[^1].Seq);
                }
            }
            catch (Exception ex)
            {
                LogEffectsFailed(logger, ex, pending.Count, this.GetPrimaryKeyString());
                return;
            }

            _effectsPending.RemoveRange(0, pending.Count);
            state.State.EffectsThrough = pending[^1].Seq;
            if (routed is { Changed: true })
            {
                await CommitAsync(routed.Events);
                return;
            }
        }
    }

    /// <summary>Loads the snapshot and folds the log's tail after it. A snapshot whose head is not in the log (or differs from it)
    /// is discarded and the state rebuilt from the whole log; an event that cannot be read quarantines the return.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var (tenantId, rmaId) = ParseKey();
        var s = state.State;
        if (s.Outbox.Count > 0)
        {
            // A snapshot of a release before the log was the record, with events it had not appended yet.
            await eventLog.AppendAsync(key, s.Outbox, cancellationToken);
        }

        var effectsThrough = s.EffectsThrough ?? (s.Outbox.Count > 0 ? s.Outbox[0].Seq - 1 : s.LastSeq);
        s.Events.Clear();
        s.Outbox.Clear();
        IReadOnlyList<RmaEvent> tail;
        if (s.LastSeq == 0)
        {
            tail = await eventLog.ReadAsync(key, cancellationToken);
        }
        else
        {
            var fromHead = await eventLog.ReadTailAsync(key, s.LastSeq - 1, cancellationToken);
            if (fromHead.Count > 0 && fromHead[0].Seq == s.LastSeq && fromHead[0].Hash == s.LastHash)
            {
                tail = fromHead.Skip(1).ToList();
            }
            else
            {
                LogSnapshotDiscarded(logger, key, s.LastSeq);
                metrics.SnapshotDiscarded();
                s = new RmaState();
                effectsThrough = 0;
                tail = await eventLog.ReadAsync(key, cancellationToken);
            }
        }

        _snapshotSeq = s.LastSeq;
        _snapshotEffectsThrough = s.EffectsThrough;
        if (s.LastSeq == 0)
        {
            RmaEvolve.Identify(s, tenantId, rmaId);
        }

        foreach (var e in tail)
        {
            Fold(s, key, e);
        }

        s.Events.Clear();
        s.EffectsThrough = effectsThrough;
        state.State = s;
        _effectsPending.AddRange(tail.Where(e => e.Seq > effectsThrough));
    }

    /// <summary>Folds one logged event into the state; an event that does not extend the chain, or cannot be read, quarantines the return.</summary>
    private void Fold(RmaState s, string key, RmaEvent e)
    {
        if (e.Seq != s.LastSeq + 1 || e.PrevHash != s.LastHash || AuditChain.Hash(e) != e.Hash)
        {
            throw Quarantine(key, e, "broken_chain", $"event #{e.Seq} does not extend the chain (its link or hash does not match)");
        }

        IRmaEventData data;
        try
        {
            data = RmaEventCatalog.Deserialize(e);
        }
        catch (Exception ex)
        {
            throw Quarantine(key, e, "corrupt_event", $"event #{e.Seq} ({e.Type}) cannot be read: {ex.Message}");
        }

        if (data is UnknownRmaEvent)
        {
            throw Quarantine(key, e, "unknown_event", $"event #{e.Seq} has the type '{e.Type}', which this version does not know");
        }

        try
        {
            RmaEvolve.Append(s, e, data);
        }
        catch (Exception ex)
        {
            throw Quarantine(key, e, "corrupt_event", $"event #{e.Seq} ({e.Type}) cannot be applied: {ex.Message}");
        }

        // A command id applied in the tail is recognised when it is retried (its command type is not in the log).
        if (!s.RecentCommands.Any(r => r.CommandId == e.CommandId))
        {
            s.RecentCommands.Add(new CommandRecord { CommandId = e.CommandId, Seq = e.Seq });
            if (s.RecentCommands.Count > MaxRecentCommands)
            {
                s.RecentCommands.RemoveRange(0, s.RecentCommands.Count - MaxRecentCommands);
            }
        }
    }

    private RmaUnavailableException Quarantine(string key, RmaEvent e, string reason, string detail)
    {
        LogQuarantined(logger, key, e.Seq, e.Type, detail);
        metrics.Quarantined(reason);
        return new RmaUnavailableException(RmaUnavailableException.Quarantined,
            $"Return {key} is quarantined: {detail}. Nothing was changed; an operator repairs the log (the verify command names the event).",
            retryable: false);
    }

    private RmaResult? Quarantined() =>
        _quarantine is { } q ? RmaResult.Refused(Rejection.Conflict(q.Code, q.Message)) : null;

    private RmaState ThrowIfQuarantined() =>
        _quarantine is { } q ? throw new RmaUnavailableException(q.Code, q.Message, q.Retryable) : state.State;

    private async Task WriteSnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
            _snapshotSeq = state.State.LastSeq;
            _snapshotEffectsThrough = state.State.EffectsThrough;
        }
        catch (Exception ex)
        {
            // The log is the record: a snapshot not written only makes the next activation fold a longer tail.
            LogSnapshotFailed(logger, ex, this.GetPrimaryKeyString());
            if (ex is Orleans.Storage.InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }

    private async Task<RmaOutcome?> RouteAsync(long authorizedThrough)
    {
        if (state.State.RoutingDecided || !RmaMachine.IsRoutable(state.State))
        {
            return null;
        }

        var warehouses = await Directory().ListAsync();
        // A tenant without warehouses does not route: returns behave as before warehouses existed.
        if (warehouses.Count == 0)
        {
            return null;
        }

        var decision = WarehouseRouting.Choose(warehouses, RmaMachine.ToRouteRequest(state.State));
        return RmaMachine.RecordRoute(state.State, decision, time.GetUtcNow(), $"route:{authorizedThrough}");
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appending {Count} events of return {Rma} failed; the command is refused and the return reloads from its log")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string rma, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading return {Rma} from its event log failed")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string rma);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The side effects of {Count} events of return {Rma} failed; they run again later")]
    private static partial void LogEffectsFailed(ILogger logger, Exception exception, int count, string rma);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The snapshot of return {Rma} at seq {Seq} disagrees with its event log; it is discarded and the state rebuilt from the log")]
    private static partial void LogSnapshotDiscarded(ILogger logger, string rma, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Return {Rma} is quarantined at event #{Seq} ({Type}): {Detail}")]
    private static partial void LogQuarantined(ILogger logger, string rma, long seq, string type, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing the snapshot of return {Rma} failed; the next activation folds a longer tail")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string rma);
}
