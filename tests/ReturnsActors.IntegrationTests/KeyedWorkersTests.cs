using System.Collections.Concurrent;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.IntegrationTests;

/// <summary>The dispatchers' bounded worker pool: every key of a pass gets its turn, a key runs once at a time.</summary>
public sealed class KeyedWorkersTests
{
    [Fact]
    public async Task OnePass_RunsEveryKey_EvenWithMoreKeysThanSlots()
    {
        var workers = new KeyedWorkers<int>(parallelism: 2);
        var ran = new ConcurrentBag<int>();

        for (var key = 0; key < 12; key++)
        {
            var k = key;
            await workers.StartAsync(k, async _ =>
            {
                await Task.Delay(20);
                ran.Add(k);
            }, CancellationToken.None);
        }

        await workers.DrainAsync();
        Assert.Equal(Enumerable.Range(0, 12), ran.Order());
    }

    [Fact]
    public async Task AKeyStillRunning_IsNotStartedTwice_AndHoldsOnlyItsOwnSlot()
    {
        var workers = new KeyedWorkers<string>(parallelism: 2);
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = new ConcurrentDictionary<string, int>();

        await workers.StartAsync("slow", async _ =>
        {
            starts.AddOrUpdate("slow", 1, (_, n) => n + 1);
            await hung.Task;
        }, CancellationToken.None);
        for (var pass = 0; pass < 3; pass++)
        {
            Assert.False(await workers.StartAsync("slow", _ => throw new InvalidOperationException("started twice"), CancellationToken.None));

            // The fast key gets the other slot on every pass (retried only while its previous run is still finishing).
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!await workers.StartAsync("fast", _ =>
            {
                starts.AddOrUpdate("fast", 1, (_, n) => n + 1);
                return Task.CompletedTask;
            }, CancellationToken.None))
            {
                Assert.True(DateTime.UtcNow < deadline, "the fast key never got a slot");
                await Task.Delay(10);
            }
        }

        hung.SetResult();
        await workers.DrainAsync();
        Assert.Equal(1, starts["slow"]);
        Assert.Equal(3, starts["fast"]);
    }
}
