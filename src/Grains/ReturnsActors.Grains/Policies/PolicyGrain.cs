namespace ReturnsActors.Grains.Policies;

[GenerateSerializer, Alias("ra.PolicyState")]
public sealed class PolicyState
{
    [Id(0)] public PolicyDocument? Draft { get; set; }
    [Id(1)] public string? DraftSavedBy { get; set; }
    /// <summary>Published versions, never changed after publishing.</summary>
    [Id(2)] public List<PolicyDocument> Published { get; set; } = [];
}

/// <summary>Drafts and published, effective-dated versions of one tenant's (or business unit's) policy.</summary>
public sealed class PolicyGrain(
    [PersistentState("policy", StorageNames.Returns)] IPersistentState<PolicyState> state,
    TimeProvider time) : Grain, IPolicyGrain
{
    public async Task<PolicyResult> SaveDraftAsync(PolicyDocument draft, string actor)
    {
        if (draft is null)
        {
            return PolicyResult.Refused(Rejection.Invalid("policy.required", "A policy document is required."));
        }

        var errors = PolicyValidator.Validate(draft);
        if (errors.Count > 0)
        {
            return PolicyResult.Refused(Rejection.Invalid("policy.invalid", "The policy has errors.", errors));
        }

        state.State.Draft = draft with { Version = 0, PublishedAt = null, PublishedBy = null, EffectiveFrom = null, BusinessUnit = BusinessUnit() };
        state.State.DraftSavedBy = actor;
        await state.WriteStateAsync();
        return PolicyResult.Ok(state.State.Draft);
    }

    public Task<PolicyDocument?> GetDraftAsync() => Task.FromResult(state.State.Draft);

    public async Task<PolicyResult> PublishAsync(string actor, DateTimeOffset? effectiveFrom = null)
    {
        var draft = state.State.Draft;
        if (draft is null)
        {
            return PolicyResult.Refused(Rejection.Conflict("policy.no_draft", "There is no draft to publish."));
        }

        var errors = PolicyValidator.Validate(draft);
        var now = time.GetUtcNow();
        if (effectiveFrom < now)
        {
            errors["effectiveFrom"] = ["Must not be in the past: published versions never change what was decided."];
        }

        if (errors.Count > 0)
        {
            return PolicyResult.Refused(Rejection.Invalid("policy.invalid", "The policy has errors.", errors));
        }

        var published = draft with
        {
            Version = state.State.Published.Count == 0 ? 1 : state.State.Published.Max(p => p.Version) + 1,
            EffectiveFrom = effectiveFrom ?? now,
            PublishedAt = now,
            PublishedBy = actor,
        };
        state.State.Published.Add(published);
        state.State.Draft = null;
        state.State.DraftSavedBy = null;
        await state.WriteStateAsync();
        return PolicyResult.Ok(published);
    }

    public Task<PolicyDocument?> GetEffectiveAsync(DateTimeOffset at) => Task.FromResult(Effective(at));

    public Task<PolicyDocument?> GetVersionAsync(int version) =>
        Task.FromResult(state.State.Published.FirstOrDefault(p => p.Version == version));

    public Task<IReadOnlyList<PolicyDocument>> ListVersionsAsync() =>
        Task.FromResult<IReadOnlyList<PolicyDocument>>(state.State.Published.ToList());

    public Task<DryRunReport?> DryRunAsync(IReadOnlyList<RmaSnapshot> snapshots) =>
        Task.FromResult(state.State.Draft is { } draft
            ? PolicyDryRun.Run(Effective(time.GetUtcNow()) ?? DefaultPolicy.Document, draft, snapshots ?? [])
            : null);

    private PolicyDocument? Effective(DateTimeOffset at) =>
        state.State.Published
            .Where(p => p.EffectiveFrom <= at)
            .OrderBy(p => p.EffectiveFrom)
            .ThenBy(p => p.Version)
            .LastOrDefault();

    private string? BusinessUnit()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/');
        return slash < 0 ? null : key[(slash + 1)..];
    }
}
