using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own that mails milestones in German to a local SMTP server on loopback, with fast retries.</summary>
public sealed class EmailSilo : OwnEmbeddedSilo
{
    internal int SmtpPort { get; } = SmtpSink.FreePort();

    protected override void Configure(Dictionary<string, string> settings)
    {
        settings["Notifications:Smtp:Host"] = "127.0.0.1";
        settings["Notifications:Smtp:Port"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Notifications:Smtp:From"] = "returns@shop.example";
        settings["Notifications:Recipient"] = "customer@example.org";
        settings["Notifications:Language"] = "de";
    }
}

/// <summary>Customer notifications through a real SMTP server (the SmtpServer package) on 127.0.0.1.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class EmailNotificationTests(EmailSilo emailSilo) : IClassFixture<EmailSilo>
{
    private static readonly string[] Milestones =
        ["return.authorized", "label.created", "return.declined", "settlement.refund_issued", "settlement.credit_issued", "return.closed"];

    [Fact]
    public async Task MilestoneMails_AreSentInTheTenantsLanguage_OncePerMilestone_AfterTheServerWasDownAndThenRejecting()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());

        // The SMTP server is down while the return is authorized and labelled: sends fail and are retried.
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");
        (await http.PostAsJsonAsync("/v1/rmas/R-1/label", new { carrier = "UPS", trackingNumber = "1Z999" })).EnsureSuccessStatusCode();
        await Task.Delay(1500);

        // Then it comes up but refuses the first two transactions (451), then accepts.
        await using var sink = SmtpSink.Start(emailSilo.SmtpPort, rejectFirst: 2);
        var store = sink.Store;
        var types = JsonNode.Parse(await http.GetStringAsync("/v1/rmas/R-1/events"))!["events"]!.AsArray()
            .Select(e => e!["type"]!.GetValue<string>()).Where(Milestones.Contains).ToList();
        Assert.Contains("label.created", types);

        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(store.Messages.Count >= types.Count));
        await Task.Delay(1000);
        var mails = store.Messages.Where(m => (m.Subject ?? "").Contains("R-1", StringComparison.Ordinal)).ToList();
        Assert.True(store.Rejected >= 2);
        Assert.Equal(types.Count, mails.Count);
        Assert.Equal(mails.Count, mails.Select(m => m.MessageId).Distinct().Count());
        Assert.All(mails, m => Assert.Equal("customer@example.org", m.To.Mailboxes.Single().Address));
        var label = Assert.Single(mails, m => m.Subject == "Ihr Retourenetikett für R-1");
        Assert.Contains("Sendungsnummer 1Z999", label.TextBody, StringComparison.Ordinal);
        Assert.Contains("Versanddienst UPS", label.TextBody, StringComparison.Ordinal);
        if (types.Contains("return.authorized"))
        {
            Assert.Single(mails, m => m.Subject == "Ihre Retoure R-1 ist genehmigt");
        }
    }

    [Fact]
    public async Task ATenantsTemplateOverride_IsUsedForItsMails_AndIsItsOwn()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        using (var bad = await http.PutAsJsonAsync("/v1/notifications/templates/fr/label.created", new { subject = "x", body = "y" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        }

        using (var put = await http.PutAsJsonAsync("/v1/notifications/templates/de/label.created",
            new { subject = "Etikett {rmaId} von Muster GmbH", body = "Paket mit {carrier} senden: {trackingNumber}" }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        using (var other = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId()))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await other.GetAsync("/v1/notifications/templates/de/label.created")).StatusCode);
        }

        await using var sink = SmtpSink.Start(emailSilo.SmtpPort);
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-7");
        (await http.PostAsJsonAsync("/v1/rmas/R-7/label", new { carrier = "DHL", trackingNumber = "JJD7" })).EnsureSuccessStatusCode();
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Any(m => (m.Subject ?? "").Contains("R-7", StringComparison.Ordinal)
            && (m.Subject ?? "").Contains("Etikett", StringComparison.Ordinal))));
        var mail = Assert.Single(sink.Store.Messages, m => m.Subject == "Etikett R-7 von Muster GmbH");
        Assert.Contains("Paket mit DHL senden: JJD7", mail.TextBody, StringComparison.Ordinal);
    }
}
