using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ReturnsActors.Adapters.Delivery;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Telemetry;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.IntegrationTests;

/// <summary>The one log-subscriber engine behind webhooks and connectors, driven over the Embedded event journal with a subscriber whose
/// deliveries are scripted: order, checkpoints, retries, dead letters and stops are the engine's, whatever the delivery does.</summary>
public sealed class LogSubscriberEngineTests
{
    [Fact]
    public async Task ADeliveryThatKeepsThrowing_IsDeadLetteredAfterMaxAttempts_AndTheEventsAfterItAreDeliveredInOrder()
    {
        var subscriber = new ScriptedSubscriber(Journal(4), failSeq: 2, stop: null);

        await RunUntilAsync(subscriber, maxAttempts: 3, () => subscriber.Delivered.Count == 3);

        Assert.Equal([1L, 3L, 4L], subscriber.Delivered.ToArray());
        var dead = Assert.Single(subscriber.Steps, s => s.Kind == DeliveryStep.DeadLettered);
        Assert.Equal((2L, 3), (dead.Event!.Seq, dead.Attempt));
        Assert.StartsWith("InvalidOperationException: receiver exploded", dead.Result!.Error);
        Assert.Equal(2, subscriber.Steps.Count(s => s is { Kind: DeliveryStep.Failed, NextAttemptAt: not null }));
        Assert.Equal(new WebhookCursor(0, 0, 4), subscriber.Progress.Checkpoint);
        Assert.Equal(0, subscriber.Progress.FailedAttempts);
    }

    [Fact]
    public async Task ASubscriptionThatStops_KeepsItsCheckpointBeforeTheFailedEvent_AndIsNotRetriedOrDeadLettered()
    {
        var subscriber = new ScriptedSubscriber(Journal(3), failSeq: 2, stop: "receiver is gone");

        await RunUntilAsync(subscriber, maxAttempts: 1, () => subscriber.Steps.Any(s => s.Kind == DeliveryStep.Failed));

        Assert.Equal([1L], subscriber.Delivered.ToArray());
        var failed = Assert.Single(subscriber.Steps, s => s.Kind != DeliveryStep.Delivered);
        Assert.Equal((DeliveryStep.Failed, "receiver is gone", (DateTimeOffset?)null), (failed.Kind, failed.StopReason, failed.NextAttemptAt));
        Assert.Equal(new WebhookCursor(0, 0, 1), subscriber.Progress.Checkpoint);
    }

    private static InMemoryWebhookStore Journal(int events)
    {
        var journal = new InMemoryWebhookStore(TimeProvider.System);
        for (var seq = 1; seq <= events; seq++)
        {
            journal.Append("acme", "RMA-1", new RmaEvent(seq, $"test.step{seq}", DateTimeOffset.UtcNow, "system", $"cmd-{seq}", 0, [], "{}", "", ""));
        }

        return journal;
    }

    private static async Task RunUntilAsync(ScriptedSubscriber subscriber, int maxAttempts, Func<bool> done)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = new WebhookDeliveryOptions(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), maxAttempts);
        var engine = new LogSubscriberEngine(subscriber.Journal, options, TimeProvider.System,
            new ReturnsMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<LogSubscriberEngine>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = engine.RunAsync(subscriber, stop.Token);
        while (!done() && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        // Let a pass that is still running record what it did, then stop.
        await Task.Delay(100);
        await stop.CancelAsync();
        await run;
        Assert.True(done(), "the engine did not get there in time");
    }

    /// <summary>One key over tenant <c>acme</c>'s log: every delivery succeeds except the event <paramref name="failSeq"/>, whose send throws.
    /// Like a disabled subscription in the stores, a stopped one is not claimed again.</summary>
    private sealed class ScriptedSubscriber(InMemoryWebhookStore journal, long failSeq, string? stop)
        : ILogSubscriber<string, string>, ILogSubscription<string>
    {
        private readonly Lock _gate = new();

        public InMemoryWebhookStore Journal => journal;
        public ConcurrentQueue<long> Delivered { get; } = new();
        public ConcurrentQueue<SubscriberStep> Steps { get; } = new();
        public SubscriberProgress Progress { get; private set; } = new(default, 0);
        public DateTimeOffset NextAttemptAt { get; private set; } = DateTimeOffset.MinValue;
        public bool Stopped { get; private set; }

        public string Name => "Test";
        public string TenantId => "acme";
        public string Key => "only";
        public string DeadLetterKind => "test";
        public bool Due => NextAttemptAt <= DateTimeOffset.UtcNow;

        public Task<IReadOnlyList<string>> KeysAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(["only"]);

        public Task<ILogSubscription<string>?> ClaimAsync(string key, DateTimeOffset now, CancellationToken cancellationToken) =>
            Task.FromResult<ILogSubscription<string>?>(Stopped ? null : this);

        public bool Wants(WebhookEvent e) => e.Type.Length > 0;

        public Task<DeliveryResult> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
        {
            if (e.Seq == failSeq)
            {
                throw new InvalidOperationException("receiver exploded");
            }

            Delivered.Enqueue(e.Seq);
            return Task.FromResult(new DeliveryResult(true, null, 200));
        }

        public string? StopReason(DeliveryResult result, SubscriberProgress progress, DateTimeOffset now) => stop;

        public Task RecordAsync(SubscriberStep step, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Steps.Enqueue(step);
                Progress = step.Progress;
                NextAttemptAt = step.NextAttemptAt ?? DateTimeOffset.MinValue;
                Stopped |= step.StopReason is not null;
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> QueuedReplaysAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

        public Task<DeliveryResult> SendReplayAsync(string replay, CancellationToken cancellationToken) => throw new InvalidOperationException("no replays");

        public Task RecordReplayAsync(string replay, DeliveryResult result, DateTimeOffset at, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
