namespace ReturnsActors.Grains.Tenants;

[GenerateSerializer, Alias("ra.TenantState")]
public sealed class TenantState
{
    [Id(0)] public string? DisplayName { get; set; }
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public int Version { get; set; }
}
