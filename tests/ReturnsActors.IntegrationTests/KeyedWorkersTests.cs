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
            await workers.StartAsync("slow", _ => throw new InvalidOperationException("started twice"), CancellationToken.None);
            await workers.StartAsync("fast", _ =>
            {
                starts.AddOrUpdate("fast", 1, (_, n) => n + 1);
                return Task.CompletedTask;
            }, CancellationToken.None);
            await Task.Delay(50);
        }

        hung.SetResult();
        await workers.DrainAsync();
        Assert.Equal(1, starts["slow"]);
        Assert.Equal(3, starts["fast"]);
    }
}
