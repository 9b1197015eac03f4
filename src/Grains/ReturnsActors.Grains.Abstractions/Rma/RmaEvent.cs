namespace ReturnsActors.Grains.Rma;

/// <summary>Something that happened to one return (past tense, dotted type such as <c>return.authorized</c>).</summary>
/// <param name="Seq">Per-RMA sequence number, 1-based, gap-free.</param>
/// <param name="Type">Dotted event type.</param>
/// <param name="OccurredAt">When the change was recorded.</param>
/// <param name="Actor">Who caused it (<c>system</c> for deadlines).</param>
/// <param name="CommandId">The command that raised it.</param>
/// <param name="PolicyVersion">The policy version the return is governed by (0 = built-in default).</param>
/// <param name="RuleIds">Policy rule ids that fired for this decision.</param>
/// <param name="DataJson">The payload as compact JSON (camelCase).</param>
/// <param name="PrevHash">Hash of the previous event (64 zeros for the first).</param>
/// <param name="Hash">SHA-256 (hex) over the canonical form of this event including <paramref name="PrevHash"/>.</param>
[GenerateSerializer, Immutable, Alias("ra.RmaEvent")]
public sealed record RmaEvent(
    [property: Id(0)] long Seq,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset OccurredAt,
    [property: Id(3)] string Actor,
    [property: Id(4)] string CommandId,
    [property: Id(5)] int PolicyVersion,
    [property: Id(6)] IReadOnlyList<string> RuleIds,
    [property: Id(7)] string DataJson,
    [property: Id(8)] string PrevHash,
    [property: Id(9)] string Hash);

/// <summary>Result of recomputing the audit chain.</summary>
/// <param name="Valid">True when every hash matches.</param>
/// <param name="FirstBrokenSeq">The first event whose hash or link does not match.</param>
/// <param name="CheckedFromSeq">First seq checked (older events were archived to the event log).</param>
/// <param name="CheckedThroughSeq">Last seq checked.</param>
[GenerateSerializer, Immutable, Alias("ra.ChainVerification")]
public sealed record ChainVerification(
    [property: Id(0)] bool Valid,
    [property: Id(1)] long? FirstBrokenSeq,
    [property: Id(2)] long CheckedFromSeq,
    [property: Id(3)] long CheckedThroughSeq);

/// <summary>Orleans request-context keys the API sets on a call to a return.</summary>
public static class RmaRequestContext
{
    /// <summary>The fingerprint (method, path, body hash) of the HTTP request whose Idempotency-Key is the command id. A return
    /// remembers it with the command id and refuses the same key with another fingerprint (<c>idempotency_key.reused</c>).</summary>
    public const string RequestFingerprint = "ra.request-fingerprint";
}
