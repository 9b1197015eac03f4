using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Adapters.Inbound;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.DeadLetters;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Inbound;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Ingest;

/// <summary>What happened to one event (or one partner payload).</summary>
public static class EventStatus
{
    public const string Applied = "applied";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const string DeadLettered = "dead_lettered";

    /// <summary>A valid partner payload that changes nothing (e.g. a carrier's pre-transit update).</summary>
    public const string Ignored = "ignored";
}

/// <summary>Why an event was not applied, in the shape of a problem.</summary>
public sealed record EventProblem(int Status, string Code, string Detail);

/// <summary>One entry of the per-event result array.</summary>
public sealed record EventResult(int Index, string? Id, string Status, EventProblem? Problem = null, string? DeadLetterId = null);

/// <summary>One payload to apply: a batch entry or a partner webhook, already parsed and mapped (or failed to).</summary>
public sealed record InboundItem(int Index, string? EventId, string Raw, MapResult Map);

/// <summary>Applies mapped commands to returns. Items of different returns run in parallel (bounded); items of one
/// return run in their order. A payload that fails to parse, map or apply (the return does not exist, the call failed)
/// is written to the dead-letter store before the answer; a business refusal (409/422) is reported, not kept, since
/// the return remembers it under the same command id and a replay would get the same answer.</summary>
public sealed class InboundProcessor(IGrainFactory grains, IDeadLetterStore deadLetters, IngestOptions options, TimeProvider time,
    IEnumerable<IPartnerAdapter> adapters)
{
    public const string BulkSource = "bulk";

    public IPartnerAdapter? Adapter(string name) => adapters.FirstOrDefault(a => a.Name == name);

    /// <summary>Applies <paramref name="items"/> for <paramref name="grant"/>: an item whose commands take an action the grant
    /// does not allow is refused on its own (403 <c>permission.denied</c>), before any of its commands is sent.</summary>
    public async Task<IReadOnlyList<EventResult>> ProcessAsync(string tenant, string source, IReadOnlyList<InboundItem> items, Grant grant,
        string? contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var results = new EventResult[items.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, List<InboundItem>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Map.Failed)
            {
                results[item.Index] = await DeadLetterAsync(tenant, source, item, item.Map.ErrorCode!, item.Map.Error!, null, contentType, headers, cancellationToken);
            }
            else if (item.Map.Commands.Count == 0)
            {
                results[item.Index] = new EventResult(item.Index, item.EventId, EventStatus.Ignored);
            }
            else if (Denied(item.Map, grant) is { } denied)
            {
                results[item.Index] = new EventResult(item.Index, item.EventId, EventStatus.Rejected, denied);
            }
            else if (item.EventId is not null && !seen.Add(item.EventId))
            {
                // The same id twice in one batch: the first one counts (it may name another return, which the grain could not catch).
                results[item.Index] = new EventResult(item.Index, item.EventId, EventStatus.Duplicate);
            }
            else
            {
                var key = item.Map.Commands[0].OrderKey;
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = [];
                }

                group.Add(item);
            }
        }

        await Parallel.ForEachAsync(groups.Values, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                foreach (var item in group)
                {
                    var outcome = await ApplyAsync(tenant, item.Map, grant, ct);
                    results[item.Index] = outcome.Failed
                        ? await DeadLetterAsync(tenant, source, item, outcome.Problem!.Code, outcome.Problem.Detail, item.Map.Commands[0].RmaId, contentType, headers, ct)
                        : new EventResult(item.Index, item.EventId, outcome.Status, outcome.Problem);
                }
            });
        return results;
    }

    /// <summary>Re-runs the mapping and apply of a dead letter; success marks it replayed. The commands may take only the
    /// actions both the replaying caller (<paramref name="replayer"/>) and the payload's source (a partner adapter) may take;
    /// a refusal leaves the letter pending.</summary>
    public async Task<ApplyOutcome> ReplayAsync(DeadLetter letter, Grant replayer, CancellationToken cancellationToken)
    {
        var map = Remap(letter);
        var grant = letter.Source == BulkSource ? replayer : replayer.Within(Permissions.ForAdapter(letter.Source));
        if (!map.Failed && Denied(map, grant) is { } denied)
        {
            return new ApplyOutcome(EventStatus.Rejected, denied);
        }

        var outcome = map.Failed
            ? new ApplyOutcome(EventStatus.DeadLettered, new EventProblem(422, map.ErrorCode!, map.Error!), Failed: true)
            : map.Commands.Count == 0
                ? new ApplyOutcome(EventStatus.Ignored, null)
                : await ApplyAsync(letter.TenantId, map, grant, cancellationToken);
        var succeeded = outcome.Status is EventStatus.Applied or EventStatus.Duplicate or EventStatus.Ignored;
        await deadLetters.RecordReplayAsync(letter.TenantId, letter.Id, succeeded, succeeded ? null : outcome.Problem?.Detail, time.GetUtcNow(), cancellationToken);
        return outcome;
    }

    private static EventProblem? Denied(MapResult map, Grant grant) =>
        grant.Check(map.Commands.Select(c => Permissions.ActionOf(c.Command))) is { } denied
            ? new EventProblem(403, PermissionDenied.Code, denied.Detail + " Nothing was changed.")
            : null;

    private MapResult Remap(DeadLetter letter)
    {
        if (letter.Source == BulkSource)
        {
            var entry = CloudEventBatch.Decode(0, letter.Body);
            return entry.Event is null ? MapResult.Fail("event.parse", entry.Error!) : CloudEventBatch.Map(entry.Event);
        }

        return Adapter(letter.Source) is { } adapter
            ? adapter.Map(letter.Body, letter.ContentType, letter.Headers)
            : MapResult.Fail("partner.unknown", $"No adapter named '{letter.Source}'.");
    }

    /// <summary>Applies an item's commands in order; stops at the first that does not go through.</summary>
    private async Task<ApplyOutcome> ApplyAsync(string tenant, MapResult map, Grant grant, CancellationToken cancellationToken)
    {
        var applied = false;
        foreach (var command in map.Commands)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mapped = command;
            if (mapped.RmaId.Length == 0)
            {
                var rmaId = await grains.GetGrain<ITrackingIndexGrain>($"{tenant}/{mapped.TrackingNumber}").GetAsync();
                if (rmaId is null)
                {
                    return new ApplyOutcome(EventStatus.DeadLettered, new EventProblem(404, "tracking.unknown",
                        $"No return has a label with tracking number '{mapped.TrackingNumber}' yet."), Failed: true);
                }

                mapped = mapped with { RmaId = rmaId };
            }

            RmaResult result;
            try
            {
                var grain = grains.GetGrain<IRmaGrain>($"{tenant}/{mapped.RmaId}");
                if (grant.Carrier is not null && grant.CheckCarrier(await grain.GetAsync(), mapped.Command) is { } denied)
                {
                    return new ApplyOutcome(EventStatus.Rejected, new EventProblem(403, PermissionDenied.Code, denied.Detail + " Nothing was changed."));
                }

                // The return indexes a recorded label's tracking number itself (RmaGrain), whichever path recorded it.
                result = await RmaCommandDispatcher.SendAsync(grain, mapped.Command);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new ApplyOutcome(EventStatus.DeadLettered, new EventProblem(503, "apply.failed", $"Applying to '{mapped.RmaId}' failed: {ex.Message}"), Failed: true);
            }

            if (result.Rejection is null)
            {
                applied |= !result.Replayed;
                continue;
            }

            var rejection = result.Rejection;
            if (rejection.Kind == RejectionKind.NotFound || (mapped.Command is CreateRma && rejection.Code == "order.not_found"))
            {
                // Not remembered by the grain: once the return (or order) exists, a replay can succeed.
                return new ApplyOutcome(EventStatus.DeadLettered, new EventProblem(404, rejection.Code, $"{mapped.RmaId}: {rejection.Detail}"), Failed: true);
            }

            var status = rejection.Kind == RejectionKind.Conflict ? 409 : 422;
            return new ApplyOutcome(result.Replayed && rejection.Code != "command.id_reused" ? EventStatus.Duplicate : EventStatus.Rejected,
                new EventProblem(status, rejection.Code, rejection.Detail));
        }

        return new ApplyOutcome(applied ? EventStatus.Applied : EventStatus.Duplicate, null);
    }

    private async Task<EventResult> DeadLetterAsync(string tenant, string source, InboundItem item, string code, string reason, string? rmaId,
        string? contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var letter = new DeadLetter($"dl_{Guid.CreateVersion7():N}", tenant, source, code, reason, item.EventId, rmaId, contentType, headers,
            item.Raw, time.GetUtcNow());
        await deadLetters.AddAsync(letter, cancellationToken);
        return new EventResult(item.Index, item.EventId, EventStatus.DeadLettered,
            new EventProblem(code is "rma.not_found" or "tracking.unknown" ? 404 : 422, code, reason), letter.Id);
    }
}

/// <summary>The fate of one item: applied, duplicate, rejected (a business refusal) or failed (to be dead-lettered).</summary>
public sealed record ApplyOutcome(string Status, EventProblem? Problem, bool Failed = false);
