namespace ReturnsActors.Grains.ApiKeys;

public sealed class TenantApiKeysGrain(
    [PersistentState("apikeys", StorageNames.Returns)] IPersistentState<TenantApiKeysState> state,
    TimeProvider time) : Grain, ITenantApiKeysGrain
{
    private const int MaxKeysPerTenant = 500;

    public async Task<ApiKeyResult> CreateAsync(IssueApiKey command)
    {
        var tenantId = this.GetPrimaryKeyString();
        if (command.TenantId != tenantId)
        {
            return ApiKeyResult.Refused(Rejection.Invalid("api_key.tenant", "The key belongs to another tenant."));
        }

        if (state.State.Keys.Count(k => k.RevokedAt is null) >= MaxKeysPerTenant)
        {
            return ApiKeyResult.Refused(Rejection.Conflict("api_key.limit", $"A tenant has at most {MaxKeysPerTenant} active keys; revoke one first."));
        }

        // Listed first, credential second: if the second write fails the key is listed (and revocable)
        // but cannot authenticate; the other order could leave a working key nobody can see or revoke.
        var view = new ApiKeyView(command.KeyId, tenantId, command.Name, command.Roles, time.GetUtcNow(), null, command.Scopes, command.ExpiresAt,
            command.Carrier);
        state.State.Keys.Add(view);
        await state.WriteStateAsync();

        var rejection = await GrainFactory.GetGrain<IApiKeyGrain>(command.KeyId).IssueAsync(command);
        if (rejection is not null)
        {
            state.State.Keys.Remove(view);
            await state.WriteStateAsync();
            return ApiKeyResult.Refused(rejection);
        }

        return ApiKeyResult.Ok(view);
    }

    public Task<IReadOnlyList<ApiKeyView>> ListAsync() => Task.FromResult<IReadOnlyList<ApiKeyView>>([.. state.State.Keys]);

    public async Task<ApiKeyResult> RevokeAsync(string keyId)
    {
        var index = state.State.Keys.FindIndex(k => k.KeyId == keyId);
        if (index < 0)
        {
            return ApiKeyResult.Refused(Rejection.NotFound("api_key.not_found", $"Key '{keyId}' does not exist."));
        }

        // The credential first: a key is never shown as revoked while it still authenticates.
        await GrainFactory.GetGrain<IApiKeyGrain>(keyId).RevokeAsync();
        var key = state.State.Keys[index];
        if (key.RevokedAt is null)
        {
            key = key with { RevokedAt = time.GetUtcNow() };
            state.State.Keys[index] = key;
            await state.WriteStateAsync();
        }

        return ApiKeyResult.Ok(key);
    }
}

[GenerateSerializer, Alias("ra.TenantApiKeysState")]
public sealed class TenantApiKeysState
{
    [Id(0)] public List<ApiKeyView> Keys { get; set; } = [];
}
