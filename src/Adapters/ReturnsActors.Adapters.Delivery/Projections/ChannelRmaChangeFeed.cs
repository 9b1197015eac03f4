using System.Threading.Channels;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Projections;

/// <summary>The Embedded profile's change feed: the in-memory event log announces each append here.</summary>
internal sealed class ChannelRmaChangeFeed : IRmaChangeFeed
{
    private readonly Channel<(RmaChange Change, DateTimeOffset At)> _channel = Channel.CreateUnbounded<(RmaChange, DateTimeOffset)>();

    public long Lag => _channel.Reader.Count;

    public void Publish(RmaChange change) => _channel.Writer.TryWrite((change, DateTimeOffset.UtcNow));

    public async Task<RmaChangeBatch> NextAsync(CancellationToken cancellationToken)
    {
        var first = await _channel.Reader.ReadAsync(cancellationToken);
        var changes = new List<RmaChange> { first.Change };
        while (changes.Count < 500 && _channel.Reader.TryRead(out var next))
        {
            changes.Add(next.Change);
        }

        // Nothing durable to acknowledge: a failed batch is lost from the feed, and the next change of that return repairs its row.
        return new RmaChangeBatch(changes, DateTimeOffset.UtcNow - first.At);
    }
}

/// <summary>The in-memory event log, announcing every append to the projector and the webhook journal.</summary>
internal sealed class NotifyingRmaEventLog(InMemoryRmaEventLog inner, ChannelRmaChangeFeed feed, Webhooks.InMemoryWebhookStore webhooks) : IRmaEventLog
{
    public async Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default)
    {
        // Announce only events new to the log: a replayed append would count its events twice.
        var known = events.Count == 0 ? 0 : (await inner.ReadTailAsync(rmaKey, events[0].Seq - 1, cancellationToken)).Select(e => e.Seq).DefaultIfEmpty(events[0].Seq - 1).Max();
        await inner.AppendAsync(rmaKey, events, cancellationToken);
        var slash = rmaKey.IndexOf('/');
        foreach (var e in events.Where(e => e.Seq > known))
        {
            feed.Publish(RmaChange.From(rmaKey[..slash], rmaKey[(slash + 1)..], e.Type, e.OccurredAt, e.DataJson));
            webhooks.Append(rmaKey[..slash], rmaKey[(slash + 1)..], e);
        }
    }

    public Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(rmaKey, cancellationToken);

    public Task<IReadOnlyList<RmaEvent>> ReadTailAsync(string rmaKey, long afterSeq, CancellationToken cancellationToken = default) =>
        inner.ReadTailAsync(rmaKey, afterSeq, cancellationToken);
}
