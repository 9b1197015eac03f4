namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>An Embedded silo of its own, for tests that need settings the shared one does not have (a loopback receiver, an SMTP server,
/// an ERP): the shared API settings, fast outbound retries, then <see cref="Configure"/>. <see cref="StartReceiversAsync"/> runs first,
/// so the settings can name the receivers' addresses.</summary>
public abstract class OwnEmbeddedSilo : IAsyncLifetime
{
    internal SiloProcess Silo { get; private set; } = null!;

    /// <summary>Retries of outbound deliveries after 50-100 ms, at most 1 s apart, and a poll every 100 ms.</summary>
    public static Dictionary<string, string> FastRetries(Dictionary<string, string> settings)
    {
        settings["Webhooks:RetryBaseMilliseconds"] = "100";
        settings["Webhooks:RetryMaxSeconds"] = "1";
        settings["Webhooks:PollMilliseconds"] = "100";
        return settings;
    }

    public async Task InitializeAsync()
    {
        await StartReceiversAsync();
        var settings = FastRetries(EmbeddedApiSilo.Settings());
        Configure(settings);
        Silo = SiloProcess.Start(settings);
        await Silo.WaitReadyAsync();
    }

    public virtual async Task DisposeAsync() => await Silo.DisposeAsync();

    protected virtual Task StartReceiversAsync() => Task.CompletedTask;

    protected abstract void Configure(Dictionary<string, string> settings);
}

/// <summary>An Embedded silo of its own that posts settlements to a local <see cref="ErpReceiver"/>.</summary>
public abstract class OwnErpSilo : OwnEmbeddedSilo
{
    internal ErpReceiver Erp { get; private set; } = null!;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Erp.DisposeAsync();
    }

    protected override async Task StartReceiversAsync() => Erp = await ErpReceiver.StartAsync();

    protected override void Configure(Dictionary<string, string> settings) => settings["Connectors:Erp:Url"] = Erp.Url;
}
