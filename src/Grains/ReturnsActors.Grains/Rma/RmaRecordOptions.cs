namespace ReturnsActors.Grains.Rma;

/// <summary>How a return keeps its record (settings section <c>ReturnsActors:Returns</c>). The event log is the record; the grain
/// state is a snapshot of it, written every <see cref="SnapshotEvery"/> events and at deactivation, never on every command.</summary>
public sealed class RmaRecordOptions
{
    public const string Section = "ReturnsActors:Returns";

    /// <summary>Events between two snapshots of a return (1-10000): fewer means shorter tails to fold at activation, more means
    /// fewer state writes. Most returns have a few dozen events in their life, so the default writes one at deactivation.</summary>
    public int SnapshotEvery { get; set; } = 50;
}
