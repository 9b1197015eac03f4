namespace ReturnsActors.Grains.Inbound;

[GenerateSerializer, Alias("ra.PartnerSecretsState")]
public sealed class PartnerSecretsState
{
    [Id(0)] public Dictionary<string, string> Secrets { get; set; } = [];
}

public sealed class PartnerSecretsGrain(
    [PersistentState("partner-secrets", StorageNames.Returns)] IPersistentState<PartnerSecretsState> state) : Grain, IPartnerSecretsGrain
{
    public async Task SetAsync(string partner, string secret)
    {
        state.State.Secrets[partner] = secret;
        await state.WriteStateAsync();
    }

    public Task<string?> GetAsync(string partner) => Task.FromResult(state.State.Secrets.GetValueOrDefault(partner));
}

[GenerateSerializer, Alias("ra.TrackingIndexState")]
public sealed class TrackingIndexState
{
    [Id(0)] public string? RmaId { get; set; }
}

public sealed class TrackingIndexGrain(
    [PersistentState("tracking", StorageNames.Returns)] IPersistentState<TrackingIndexState> state) : Grain, ITrackingIndexGrain
{
    public async Task SetAsync(string rmaId)
    {
        if (state.State.RmaId != rmaId)
        {
            state.State.RmaId = rmaId;
            await state.WriteStateAsync();
        }
    }

    public Task<string?> GetAsync() => Task.FromResult(state.State.RmaId);
}
