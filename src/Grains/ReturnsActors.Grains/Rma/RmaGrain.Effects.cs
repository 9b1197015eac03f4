using Microsoft.Extensions.Logging;
using ReturnsActors.Grains.Inbound;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Grains.Rma;

/// <summary>The side effects of a return's appended events (task queues, order ledger, tracking index, warehouses, suppliers,
/// routing), each idempotent by (rma, seq).</summary>
public sealed partial class RmaGrain
{
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
}
