namespace ReturnsActors.Silo.Persistence;

/// <summary>The one order in which every log subscriber (read-model projector, webhooks, connectors) reads <c>rma_events</c>:
/// (epoch, tx_id, position). tx_id alone is a transaction id of the PostgreSQL cluster that wrote the row and restarts lower after a
/// dump is restored into another cluster; the epoch (V0032, <c>ra_log_rebase()</c>) is raised then, so every row written before a
/// restore sorts before every row written after it. Rows of the current epoch are read only from transactions older than every one
/// still running, so an event committed late with a lower position is never passed; rows of an earlier epoch were all committed on
/// their old cluster.</summary>
internal static class LogOrder
{
    public const string OrderBy = "epoch, tx_id, position";

    /// <summary>Rows (of <paramref name="alias"/>, e.g. <c>"e."</c> or <c>""</c>) after the checkpoint given as SQL expressions and
    /// below the transaction horizon.</summary>
    public static string After(string alias, string epoch, string tx, string position) =>
        $"({alias}epoch, {alias}tx_id, {alias}position) > ({epoch}, {tx}, {position})"
        + $" AND ({alias}epoch < (SELECT ra_log_epoch()) OR {alias}tx_id < pg_snapshot_xmin(pg_current_snapshot()))";

    /// <summary><see cref="After"/> for a checkpoint passed as the parameters <c>@epoch</c>, <c>@tx</c> (xid8 as text) and <c>@position</c>.</summary>
    public static string AfterParameters(string alias = "") => After(alias, "@epoch", "CAST(@tx AS xid8)", "@position");
}
