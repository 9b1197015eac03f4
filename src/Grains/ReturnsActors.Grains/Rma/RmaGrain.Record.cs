using Microsoft.Extensions.Logging;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma;

/// <summary>The record of a return: the append that makes a command durable, the snapshot, and loading the snapshot plus the
/// log's tail (with quarantine of a log it cannot read).</summary>
public sealed partial class RmaGrain
{
    /// <summary>Makes the decided events the record: appends them (the command fails if that does not commit), then runs their
    /// side effects and writes a snapshot when one is due.</summary>
    private async Task CommitAsync(IReadOnlyList<RmaEvent> events)
    {
        try
        {
            await eventLog.AppendAsync(this.GetPrimaryKeyString(), events);
        }
        catch (Exception ex)
        {
            // Memory is now ahead of the record: drop the activation so the next call reloads what the log holds.
            _aheadOfRecord = true;
            DeactivateOnIdle();
            LogAppendFailed(logger, ex, this.GetPrimaryKeyString(), events.Count);
            throw ex is RmaAppendConflictException
                ? new RmaUnavailableException(RmaUnavailableException.WriteConflict,
                    "Another writer appended to this return first; nothing of this command was recorded. Retry it.", retryable: true)
                : new RmaUnavailableException(RmaUnavailableException.LogUnavailable,
                    "The return's event log could not be written; nothing of this command was recorded. Retry it.", retryable: true);
        }

        // The log holds them now; a snapshot carries none.
        state.State.Events.Clear();
        state.State.Outbox.Clear();
        _effectsPending.AddRange(events);
        await RunEffectsAsync();
        if (_effectsPending.Count == 0 && state.State.LastSeq - _snapshotSeq >= options.Value.SnapshotEvery)
        {
            await WriteSnapshotAsync(CancellationToken.None);
        }
    }

    /// <summary>Loads the snapshot and folds the log's tail after it. A snapshot whose head is not in the log (or differs from it)
    /// is discarded and the state rebuilt from the whole log; an event that cannot be read quarantines the return.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var (tenantId, rmaId) = ParseKey();
        var s = state.State;
        if (s.Outbox.Count > 0)
        {
            // A snapshot of a release before the log was the record, with events it had not appended yet.
            await eventLog.AppendAsync(key, s.Outbox, cancellationToken);
        }

        var effectsThrough = s.EffectsThrough ?? (s.Outbox.Count > 0 ? s.Outbox[0].Seq - 1 : s.LastSeq);
        s.Events.Clear();
        s.Outbox.Clear();
        IReadOnlyList<RmaEvent> tail;
        // Events the snapshot already holds whose side effects had not run (an effect that failed, a legacy outbox).
        IReadOnlyList<RmaEvent> effectsOnly = [];
        if (s.LastSeq == 0)
        {
            tail = await eventLog.ReadAsync(key, cancellationToken);
        }
        else
        {
            var logged = await eventLog.ReadTailAsync(key, Math.Min(s.LastSeq - 1, effectsThrough), cancellationToken);
            if (logged.FirstOrDefault(e => e.Seq == s.LastSeq) is { } head && head.Hash == s.LastHash)
            {
                tail = logged.Where(e => e.Seq > s.LastSeq).ToList();
                effectsOnly = logged.Where(e => e.Seq > effectsThrough && e.Seq <= s.LastSeq).ToList();
            }
            else
            {
                LogSnapshotDiscarded(logger, key, s.LastSeq);
                metrics.SnapshotDiscarded();
                s = new RmaState();
                effectsThrough = 0;
                tail = await eventLog.ReadAsync(key, cancellationToken);
            }
        }

        _snapshotSeq = s.LastSeq;
        _snapshotEffectsThrough = s.EffectsThrough;
        if (s.LastSeq == 0)
        {
            RmaEvolve.Identify(s, tenantId, rmaId);
        }

        foreach (var e in tail)
        {
            Fold(s, key, e);
        }

        s.Events.Clear();
        s.EffectsThrough = effectsThrough;
        state.State = s;
        _effectsPending.AddRange(effectsOnly);
        _effectsPending.AddRange(tail.Where(e => e.Seq > effectsThrough));
    }

    /// <summary>Folds one logged event into the state; an event that does not extend the chain, or cannot be read, quarantines the return.</summary>
    private void Fold(RmaState s, string key, RmaEvent e)
    {
        if (e.Seq != s.LastSeq + 1 || e.PrevHash != s.LastHash || AuditChain.Hash(e) != e.Hash)
        {
            throw Quarantine(key, e, "broken_chain", $"event #{e.Seq} does not extend the chain (its link or hash does not match)");
        }

        IRmaEventData data;
        try
        {
            data = RmaEventCatalog.Deserialize(e);
        }
        catch (Exception ex)
        {
            throw Quarantine(key, e, "corrupt_event", $"event #{e.Seq} ({e.Type}) cannot be read: {ex.Message}");
        }

        if (data is UnknownRmaEvent)
        {
            throw Quarantine(key, e, "unknown_event", $"event #{e.Seq} has the type '{e.Type}', which this version does not know");
        }

        try
        {
            RmaEvolve.Append(s, e, data);
        }
        catch (Exception ex)
        {
            throw Quarantine(key, e, "corrupt_event", $"event #{e.Seq} ({e.Type}) cannot be applied: {ex.Message}");
        }

        // A command id applied in the tail is recognised when it is retried (its command type is not in the log).
        if (!s.RecentCommands.Any(r => r.CommandId == e.CommandId))
        {
            RmaMachine.Remember(s, new CommandRecord { CommandId = e.CommandId, Seq = e.Seq });
        }
    }

    private RmaUnavailableException Quarantine(string key, RmaEvent e, string reason, string detail)
    {
        LogQuarantined(logger, key, e.Seq, e.Type, detail);
        metrics.Quarantined(reason);
        return new RmaUnavailableException(RmaUnavailableException.Quarantined,
            $"Return {key} is quarantined: {detail}. Nothing was changed; an operator repairs the log (the verify command names the event).",
            retryable: false);
    }

    /// <summary>The refusal of a quarantined return. After a failed append the activation is ahead of its record until it is
    /// dropped: a call that still reaches it is refused retryably (it would decide on events the log does not hold).</summary>
    private RmaResult? Quarantined() =>
        _aheadOfRecord ? throw Reloading()
        : _quarantine is { } q ? RmaResult.Refused(Rejection.Conflict(q.Code, q.Message)) : null;

    private RmaState ThrowIfQuarantined() =>
        _aheadOfRecord ? throw Reloading()
        : _quarantine is { } q ? throw new RmaUnavailableException(q.Code, q.Message, q.Retryable) : state.State;

    private static RmaUnavailableException Reloading() => new(RmaUnavailableException.LogUnavailable,
        "The return is reloading from its event log after a failed write; nothing of this call was done. Retry.", retryable: true);

    private async Task WriteSnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
            _snapshotSeq = state.State.LastSeq;
            _snapshotEffectsThrough = state.State.EffectsThrough;
        }
        catch (Exception ex)
        {
            // The log is the record: a snapshot not written only makes the next activation fold a longer tail.
            LogSnapshotFailed(logger, ex, this.GetPrimaryKeyString());
            if (ex is Orleans.Storage.InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appending {Count} events of return {Rma} failed; the command is refused and the return reloads from its log")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string rma, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading return {Rma} from its event log failed")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string rma);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The side effects of {Count} events of return {Rma} failed; they run again later")]
    private static partial void LogEffectsFailed(ILogger logger, Exception exception, int count, string rma);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The snapshot of return {Rma} at seq {Seq} disagrees with its event log; it is discarded and the state rebuilt from the log")]
    private static partial void LogSnapshotDiscarded(ILogger logger, string rma, long seq);

    [LoggerMessage(Level = LogLevel.Error, Message = "Return {Rma} is quarantined at event #{Seq} ({Type}): {Detail}")]
    private static partial void LogQuarantined(ILogger logger, string rma, long seq, string type, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing the snapshot of return {Rma} failed; the next activation folds a longer tail")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string rma);
}
