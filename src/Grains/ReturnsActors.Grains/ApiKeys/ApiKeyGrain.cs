namespace ReturnsActors.Grains.ApiKeys;

public sealed class ApiKeyGrain(
    [PersistentState("apikey", StorageNames.Returns)] IPersistentState<ApiKeyState> state) : Grain, IApiKeyGrain
{
    public async Task<Rejection?> IssueAsync(IssueApiKey command)
    {
        if (state.State.TenantId is not null)
        {
            // A retried issue of the same key (same tenant, same hash) is not a conflict.
            return state.State.TenantId == command.TenantId && state.State.SecretHash.AsSpan().SequenceEqual(command.SecretHash)
                ? null
                : Rejection.Conflict("api_key.exists", "The key id is taken.");
        }

        state.State.TenantId = command.TenantId;
        state.State.Roles = [.. command.Roles];
        state.State.SecretHash = command.SecretHash;
        await state.WriteStateAsync();
        return null;
    }

    public Task<ApiKeyCredential?> GetCredentialAsync() => Task.FromResult(state.State.TenantId is null
        ? null
        : new ApiKeyCredential(this.GetPrimaryKeyString(), state.State.TenantId, state.State.Roles, state.State.SecretHash, state.State.Revoked));

    public async Task RevokeAsync()
    {
        if (state.State.TenantId is null || state.State.Revoked)
        {
            return;
        }

        state.State.Revoked = true;
        await state.WriteStateAsync();
    }
}

[GenerateSerializer, Alias("ra.ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)] public string? TenantId { get; set; }
    [Id(1)] public List<string> Roles { get; set; } = [];
    [Id(2)] public byte[] SecretHash { get; set; } = [];
    [Id(3)] public bool Revoked { get; set; }
}
