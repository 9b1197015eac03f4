namespace ReturnsActors.Api.Ingest;

/// <summary>Limits of <c>POST /v1/events</c> and <c>POST /v1/inbound/{partner}</c>.</summary>
public sealed class IngestOptions
{
    /// <summary>Most events one batch may carry; more is a 413 problem and nothing is applied.</summary>
    public int MaxBatchEvents { get; init; } = 1000;

    /// <summary>Ingest requests one silo works on at once; beyond it, 429 with Retry-After (nothing is read or applied).</summary>
    public int MaxConcurrentRequests { get; init; } = 8;

    /// <summary>Returns of one batch applied in parallel (events of one return stay in order).</summary>
    public int Parallelism { get; init; } = 16;

    /// <summary>How far a signed partner timestamp may be from now.</summary>
    public TimeSpan SignatureTolerance { get; init; } = TimeSpan.FromMinutes(5);
}
