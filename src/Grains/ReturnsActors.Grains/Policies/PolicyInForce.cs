namespace ReturnsActors.Grains.Policies;

/// <summary>Which policy governs a return: its business unit's version in force, else its tenant's, else the built-in default.</summary>
public static class PolicyInForce
{
    public static async Task<PolicyDocument> ResolveAsync(IGrainFactory grains, string tenantId, string? businessUnit, DateTimeOffset at)
    {
        if (!string.IsNullOrWhiteSpace(businessUnit)
            && await grains.GetGrain<IPolicyGrain>($"{tenantId}/{businessUnit}").GetEffectiveAsync(at) is { } unitPolicy)
        {
            return unitPolicy;
        }

        return await grains.GetGrain<IPolicyGrain>(tenantId).GetEffectiveAsync(at) ?? DefaultPolicy.Document;
    }
}
