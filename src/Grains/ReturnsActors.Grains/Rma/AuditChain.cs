using System.Security.Cryptography;
using System.Text.Json;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma;

/// <summary>Per-RMA hash chain: each event's hash covers its canonical form and the previous hash.</summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 (lower-case hex) over a JSON array of the event's fields in a fixed order;
    /// the payload is hashed as the exact stored text, the time as UTC round-trip text.</summary>
    public static string Hash(long seq, string type, DateTimeOffset occurredAt, string actor, string commandId,
        int policyVersion, IReadOnlyList<string> ruleIds, string dataJson, string prevHash)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteNumberValue(seq);
            w.WriteStringValue(type);
            w.WriteStringValue(occurredAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStringValue(actor);
            w.WriteStringValue(commandId);
            w.WriteNumberValue(policyVersion);
            w.WriteStartArray();
            foreach (var rule in ruleIds)
            {
                w.WriteStringValue(rule);
            }

            w.WriteEndArray();
            w.WriteStringValue(dataJson);
            w.WriteStringValue(prevHash);
            w.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    public static string Hash(RmaEvent e) =>
        Hash(e.Seq, e.Type, e.OccurredAt, e.Actor, e.CommandId, e.PolicyVersion, e.RuleIds, e.DataJson, e.PrevHash);

    /// <summary>Creates the next event of the chain from a typed payload, written by <see cref="RmaEventCatalog"/>.</summary>
    public static RmaEvent Next(long prevSeq, string prevHash, IRmaEventData data, DateTimeOffset occurredAt, string actor,
        string commandId, int policyVersion, IReadOnlyList<string> ruleIds)
    {
        var (type, json) = RmaEventCatalog.Serialize(data);
        return Next(prevSeq, prevHash, type, occurredAt, actor, commandId, policyVersion, ruleIds, json);
    }

    /// <summary>Creates the next event of the chain; <paramref name="dataJson"/> is stored and hashed as it is.</summary>
    public static RmaEvent Next(long prevSeq, string prevHash, string type, DateTimeOffset occurredAt, string actor,
        string commandId, int policyVersion, IReadOnlyList<string> ruleIds, string dataJson)
    {
        var seq = prevSeq + 1;
        // Event times are whole microseconds, the precision PostgreSQL keeps, so the event log's copy hashes the same.
        var utc = occurredAt.ToUniversalTime();
        var at = new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
        var hash = Hash(seq, type, at, actor, commandId, policyVersion, ruleIds, dataJson, prevHash);
        return new RmaEvent(seq, type, at, actor, commandId, policyVersion, ruleIds, dataJson, prevHash, hash);
    }

    /// <summary>Recomputes the chain from an anchor (the last trimmed event) and reports the first event that does not match.</summary>
    public static ChainVerification Verify(IReadOnlyList<RmaEvent> events, long anchorSeq = 0, string anchorHash = GenesisHash)
    {
        var prevSeq = anchorSeq;
        var prevHash = anchorHash;
        foreach (var e in events)
        {
            if (e.Seq != prevSeq + 1 || e.PrevHash != prevHash || Hash(e) != e.Hash)
            {
                return new ChainVerification(false, e.Seq, anchorSeq + 1, prevSeq);
            }

            prevSeq = e.Seq;
            prevHash = e.Hash;
        }

        return new ChainVerification(true, null, anchorSeq + 1, prevSeq);
    }
}
