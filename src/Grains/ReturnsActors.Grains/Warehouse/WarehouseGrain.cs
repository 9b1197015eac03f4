using Microsoft.Extensions.Logging;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>One warehouse: capabilities, capacity and the figures fed by its returns. Returns never call it directly:
/// their reports reach it in batches through the per-silo <see cref="WarehouseReportAggregatorGrain"/>, so a warehouse
/// takes one call (and one state write) per batch rather than per return event.</summary>
public sealed class WarehouseGrain(
    [PersistentState("warehouse", StorageNames.Returns)] IPersistentState<WarehouseState> state,
    TimeProvider time,
    ILogger<WarehouseGrain> logger) : Grain, IWarehouseGrain, IRemindable
{
    private const string ReminderName = "warehouse-backlog";
    private static readonly TimeSpan _checkPeriod = TimeSpan.FromMinutes(15);

    public async Task<WarehouseResult> RegisterAsync(RegisterWarehouse command)
    {
        var created = !state.State.Registered;
        if (WarehouseBook.Register(state.State, command) is { } rejection)
        {
            return WarehouseResult.Refused(rejection);
        }

        Evaluate();
        await state.WriteStateAsync();
        await PublishAsync();
        await this.RegisterOrUpdateReminder(ReminderName, _checkPeriod, _checkPeriod);
        return WarehouseResult.Ok(View(), created);
    }

    public Task<WarehouseView?> GetAsync() => Task.FromResult(state.State.Registered ? View() : null);

    public async Task ApplyReportsAsync(IReadOnlyList<WarehouseReportItem> items)
    {
        WarehouseMetrics.Batch(items.Count);
        var before = WarehouseBook.OpenUnits(state.State);
        if (WarehouseBook.Apply(state.State, items) == 0)
        {
            return;
        }

        WarehouseBook.Prune(state.State, time.GetUtcNow());
        Evaluate();
        await state.WriteStateAsync();
        if (state.State.Registered && WarehouseBook.OpenUnits(state.State) != before)
        {
            await PublishAsync();
        }
    }

    public async Task<WarehouseView?> CheckBacklogAsync()
    {
        if (!state.State.Registered)
        {
            return null;
        }

        if (Evaluate())
        {
            await state.WriteStateAsync();
        }

        return View();
    }

    public Task<IReadOnlyList<string>> PlanRebalanceAsync(int maxReturns) =>
        Task.FromResult(WarehouseBook.PlanRebalance(state.State, Math.Max(0, maxReturns)));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await CheckBacklogAsync();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        WarehouseMetrics.Forget(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>Moves the backlog level and records metrics; true when an event was raised.</summary>
    private bool Evaluate()
    {
        var now = time.GetUtcNow();
        var key = this.GetPrimaryKeyString();
        WarehouseMetrics.Backlog(key, state.State.Rmas.Values.Sum(t => t.BacklogUnits), WarehouseBook.OldestBacklogAge(state.State, now));
        if (!state.State.Registered || WarehouseBook.Evaluate(state.State, now) is not { } e)
        {
            return false;
        }

        WarehouseMetrics.Alert(key, e.Type);
        logger.LogInformation("Warehouse {Warehouse}: {Event} ({Detail})", key, e.Type, e.Detail);
        return true;
    }

    private Task PublishAsync()
    {
        var (tenantId, warehouseId) = ParseKey();
        return GrainFactory.GetGrain<IWarehouseDirectoryGrain>(tenantId).UpsertAsync(WarehouseBook.Summary(state.State, warehouseId));
    }

    private WarehouseView View()
    {
        var (tenantId, warehouseId) = ParseKey();
        return WarehouseBook.View(state.State, tenantId, warehouseId, time.GetUtcNow());
    }

    private (string TenantId, string WarehouseId) ParseKey()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/');
        return slash <= 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
    }
}
