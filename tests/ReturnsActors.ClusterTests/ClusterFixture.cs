using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Stock;

namespace ReturnsActors.ClusterTests;

/// <summary>Event log whose appends can be made to fail, to simulate a crash between state write and drain.</summary>
public sealed class SwitchableEventLog(InMemoryRmaEventLog inner) : IRmaEventLog
{
    public volatile bool Fail;

    public Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default) =>
        Fail ? throw new IOException("event log unavailable") : inner.AppendAsync(rmaKey, events, cancellationToken);

    public Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(rmaKey, cancellationToken);

    public Task<IReadOnlyList<RmaEvent>> ReadTailAsync(string rmaKey, long afterSeq, CancellationToken cancellationToken = default) =>
        inner.ReadTailAsync(rmaKey, afterSeq, cancellationToken);
}

/// <summary>One in-process silo shared by every cluster test: memory storage "returns" with the System.Text.Json
/// storage serializer (as the real silo), in-memory reminders, fake time, in-memory orders, stock and event log.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    public InMemoryOrderSource Orders { get; }
    public SwitchableEventLog EventLog { get; } = new(new InMemoryRmaEventLog());
    public InMemoryStockSource Stock { get; } = new();
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;

    public ClusterFixture() => Orders = new InMemoryOrderSource(Time);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.AddMemoryGrainStorage(StorageNames.Returns);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.Services.AddSingleton<IOrderSource>(Orders);
            silo.Services.AddSingleton<IRmaEventLog>(EventLog);
            silo.Services.AddSingleton<IStockSource>(Stock);
            silo.Services.AddReturnsGrains();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Adds an order delivered <paramref name="deliveredDaysAgo"/> days ago (fake time) and returns its id.</summary>
    public string NewOrder(string tenant = "demo", int deliveredDaysAgo = 2, string channel = "web")
    {
        var orderId = $"ORD-{Guid.NewGuid():N}"[..16];
        Orders.Add(new OrderSnapshot(tenant, orderId, channel, Time.GetUtcNow().AddDays(-deliveredDaysAgo), "EUR",
        [
            new OrderLine("1", "SKU-TSHIRT", "apparel", 3, 19.95m, []),
            new OrderLine("2", "SKU-TV-55", "electronics", 1, 899.00m, ["SN-TV-1"]),
        ]));
        return orderId;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
