namespace ReturnsActors.Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Returns)] IPersistentState<TenantState> state,
    TimeProvider time) : Grain, ITenantGrain
{
    public async Task<TenantResult> RegisterAsync(RegisterTenant command)
    {
        var name = command.DisplayName?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            return TenantResult.Refused(Rejection.Invalid("tenant.display_name", "The display name must be 1 to 200 characters.",
                new Dictionary<string, string[]> { ["displayName"] = ["Must be 1 to 200 characters."] }));
        }

        if (state.RecordExists && state.State.DisplayName is not null)
        {
            return state.State.DisplayName == name
                ? TenantResult.Ok(View(), created: false)
                : TenantResult.Refused(Rejection.Conflict("tenant.exists", $"Tenant '{this.GetPrimaryKeyString()}' already exists."));
        }

        state.State.DisplayName = name;
        state.State.CreatedAt = time.GetUtcNow();
        state.State.Version = 1;
        await state.WriteStateAsync();
        return TenantResult.Ok(View(), created: true);
    }

    public Task<TenantView?> GetAsync() =>
        Task.FromResult(state.State.DisplayName is null ? null : View());

    private TenantView View() =>
        new(this.GetPrimaryKeyString(), state.State.DisplayName!, state.State.CreatedAt, state.State.Version);
}
