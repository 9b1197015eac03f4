namespace ReturnsActors.Grains.ApiKeys;

public sealed class ApiKeyGrain(
    [PersistentState("apikey", StorageNames.Returns)] IPersistentState<ApiKeyState> state, TimeProvider time) : Grain, IApiKeyGrain
{
    private DateTimeOffset? _unsavedLastUse;

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
        state.State.Scopes = command.Scopes is null ? null : [.. command.Scopes];
        state.State.ExpiresAt = command.ExpiresAt;
        state.State.Carrier = command.Carrier;
        await state.WriteStateAsync();
        return null;
    }

    public Task<ApiKeyCredential?> GetCredentialAsync() => Task.FromResult(state.State.TenantId is null
        ? null
        : new ApiKeyCredential(this.GetPrimaryKeyString(), state.State.TenantId, state.State.Roles, state.State.SecretHash, state.State.Revoked,
            state.State.Scopes, state.State.ExpiresAt, state.State.Carrier, state.State.PreviousSecretHash, state.State.PreviousValidUntil));

    public async Task RevokeAsync()
    {
        if (state.State.TenantId is null || state.State.Revoked)
        {
            return;
        }

        state.State.Revoked = true;
        await state.WriteStateAsync();
    }

    public async Task<Rejection?> RotateAsync(byte[] newSecretHash, DateTimeOffset previousValidUntil)
    {
        if (state.State.TenantId is null)
        {
            return Rejection.NotFound("api_key.not_found", "The key does not exist.");
        }

        if (state.State.Revoked)
        {
            return Rejection.Conflict("api_key.revoked", "A revoked key cannot be rotated.");
        }

        state.State.PreviousSecretHash = state.State.SecretHash;
        state.State.PreviousValidUntil = previousValidUntil;
        state.State.SecretHash = newSecretHash;
        state.State.RotatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return null;
    }

    public async Task TouchAsync(DateTimeOffset at)
    {
        if (state.State.TenantId is null || at <= (_unsavedLastUse ?? state.State.LastUsedAt))
        {
            return;
        }

        // Several silos report; a write per minute at most keeps a busy key from writing on every request.
        _unsavedLastUse = at;
        if (state.State.LastUsedAt is { } saved && at - saved < TimeSpan.FromMinutes(1))
        {
            return;
        }

        state.State.LastUsedAt = at;
        _unsavedLastUse = null;
        await state.WriteStateAsync();
    }

    public Task<ApiKeyUsage> GetUsageAsync() =>
        Task.FromResult(new ApiKeyUsage(_unsavedLastUse ?? state.State.LastUsedAt, state.State.RotatedAt, state.State.PreviousValidUntil));

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unsavedLastUse is { } at)
        {
            state.State.LastUsedAt = at;
            await state.WriteStateAsync(cancellationToken);
        }
    }
}

[GenerateSerializer, Alias("ra.ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)] public string? TenantId { get; set; }
    [Id(1)] public List<string> Roles { get; set; } = [];
    [Id(2)] public byte[] SecretHash { get; set; } = [];
    [Id(3)] public bool Revoked { get; set; }
    [Id(4)] public List<string>? Scopes { get; set; }
    [Id(5)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(6)] public string? Carrier { get; set; }
    [Id(7)] public byte[]? PreviousSecretHash { get; set; }
    [Id(8)] public DateTimeOffset? PreviousValidUntil { get; set; }
    [Id(9)] public DateTimeOffset? RotatedAt { get; set; }
    [Id(10)] public DateTimeOffset? LastUsedAt { get; set; }
}
