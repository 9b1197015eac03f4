using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MimeKit;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own that mails milestones to the customers of the orders, through a local SMTP server on loopback,
/// with fast retries.</summary>
public sealed class EmailSilo : OwnEmbeddedSilo
{
    internal int SmtpPort { get; } = SmtpSink.FreePort();

    protected override void Configure(Dictionary<string, string> settings)
    {
        settings["Notifications:Smtp:Host"] = "127.0.0.1";
        settings["Notifications:Smtp:Port"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Notifications:Smtp:From"] = "returns@shop.example";
    }
}

/// <summary>Customer notifications through a real SMTP server (the SmtpServer package) on 127.0.0.1.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class EmailNotificationTests(EmailSilo emailSilo) : IClassFixture<EmailSilo>
{
    private static readonly string[] Milestones =
        ["return.authorized", "label.created", "return.declined", "settlement.refund_issued", "settlement.credit_issued", "return.closed"];

    [Fact]
    public async Task MilestoneMails_AreSentInTheCustomersLanguage_OncePerMilestone_AfterTheServerWasDownAndThenRejecting()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());

        // The SMTP server is down while the return is authorized and labelled: sends fail and are retried.
        await ReturnScenario.LoadOrderAsync(http, customerEmail: "customer@example.org", customerLanguage: "de");
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
        using (var bad = await http.PutAsJsonAsync("/v1/notifications/templates/x_1/label.created", new { subject = "x", body = "y" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
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

        // The customer's de-AT finds the tenant's de template.
        await using var sink = SmtpSink.Start(emailSilo.SmtpPort);
        await ReturnScenario.LoadOrderAsync(http, customerEmail: "kundin@example.at", customerLanguage: "de-AT");
        await ReturnScenario.CreateRmaAsync(http, "R-7");
        (await http.PostAsJsonAsync("/v1/rmas/R-7/label", new { carrier = "DHL", trackingNumber = "JJD7" })).EnsureSuccessStatusCode();
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Any(m => (m.Subject ?? "").Contains("R-7", StringComparison.Ordinal)
            && (m.Subject ?? "").Contains("Etikett", StringComparison.Ordinal))));
        var mail = Assert.Single(sink.Store.Messages, m => m.Subject == "Etikett R-7 von Muster GmbH");
        Assert.Contains("Paket mit DHL senden: JJD7", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("kundin@example.at", mail.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task EachCustomer_GetsTheirOwnMails_InTheirLanguage_FallingBackToTheBaseLanguage_ThenTheTenantsDefault()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        using (var bad = await http.PutAsJsonAsync("/v1/notifications/settings", new { defaultLanguage = "german!" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        }

        (await http.PutAsJsonAsync("/v1/notifications/settings", new { defaultLanguage = "de" })).EnsureSuccessStatusCode();
        Assert.Equal("de", JsonNode.Parse(await http.GetStringAsync("/v1/notifications/settings"))!["defaultLanguage"]!.GetValue<string>());

        await using var sink = SmtpSink.Start(emailSilo.SmtpPort);
        var customers = new[]
        {
            (Rma: "R-AT", Email: "anna@example.at", Language: "de-AT", Expected: "de", Subject: "Ihr Retourenetikett für R-AT"),
            (Rma: "R-GB", Email: "ben@example.co.uk", Language: "en-GB", Expected: "en", Subject: "Your return label for R-GB"),
            (Rma: "R-FR", Email: "chloe@example.fr", Language: "fr", Expected: "de", Subject: "Ihr Retourenetikett für R-FR"),
        };
        foreach (var c in customers)
        {
            await LabelledReturnAsync(http, c.Rma, c.Email, c.Language);
        }

        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(customers.All(c => sink.Store.Messages.Any(m => m.Subject == c.Subject))));
        foreach (var c in customers)
        {
            var theirs = sink.Store.Messages.Where(m => m.To.Mailboxes.Single().Address == c.Email).ToList();
            Assert.NotEmpty(theirs);
            Assert.All(theirs, m => Assert.Contains(c.Rma, m.Subject, StringComparison.Ordinal));
            Assert.Equal([c.Expected], theirs.Select(m => (m.Headers[HeaderId.ContentLanguage] ?? m.Body?.Headers[HeaderId.ContentLanguage])?.Trim()).Distinct());
            Assert.Single(theirs, m => m.Subject == c.Subject);
        }
    }

    [Fact]
    public async Task AReturnWhoseOrderHasNoAddress_IsSkippedVisibly_AndLaterMailsStillFlow()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        var skippedBefore = await SkippedAsync();
        await using var sink = SmtpSink.Start(emailSilo.SmtpPort);
        await LabelledReturnAsync(http, "R-NOADDR", null, "de");
        await LabelledReturnAsync(http, "R-AFTER", "after@example.org", "en");

        // Mails go out per tenant in log order: the later return's mail arriving means the earlier one was passed.
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Any(m => m.Subject == "Your return label for R-AFTER")));
        Assert.DoesNotContain(sink.Store.Messages, m => (m.Subject ?? "").Contains("R-NOADDR", StringComparison.Ordinal));
        // The scrape answer is cached briefly, so the counter is read until it shows the skip.
        await ReturnScenario.WaitUntilAsync(async () => await SkippedAsync() >= skippedBefore + 1);
        Assert.Contains("skipped: no_address", emailSilo.Silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoodsReceivedMail_IsSentOnce_AtTheFirstReceiptWithGoods()
    {
        using var http = emailSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        await using var sink = SmtpSink.Start(emailSilo.SmtpPort);
        await LabelledReturnAsync(http, "R-GR", "goods@example.org", "en", quantity: 2);
        foreach (var (quantity, final) in new[] { (1, false), (1, true) })
        {
            using var receipt = await http.PostAsJsonAsync("/v1/rmas/R-GR/receive", new { lines = new[] { new { lineId = "L1", quantity } }, final });
            Assert.True(receipt.IsSuccessStatusCode, await receipt.Content.ReadAsStringAsync());
        }

        await LabelledReturnAsync(http, "R-GR2", "goods@example.org", "de");
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(sink.Store.Messages.Any(m => m.Subject == "Ihr Retourenetikett für R-GR2")));
        var received = Assert.Single(sink.Store.Messages, m => (m.Subject ?? "").StartsWith("We have received your return", StringComparison.Ordinal));
        Assert.Equal("We have received your return R-GR", received.Subject);
        Assert.Equal("goods@example.org", received.To.Mailboxes.Single().Address);
    }

    private static async Task LabelledReturnAsync(HttpClient http, string rma, string? email, string language, int quantity = 1)
    {
        await ReturnScenario.LoadOrderAsync(http, $"O-{rma}", email, language);
        await ReturnScenario.CreateRmaAsync(http, rma, $"O-{rma}", quantity);
        using var label = await http.PostAsJsonAsync($"/v1/rmas/{rma}/label", new { carrier = "UPS", trackingNumber = $"1Z{rma}" });
        Assert.True(label.IsSuccessStatusCode, await label.Content.ReadAsStringAsync());
    }

    /// <summary>The silo's <c>returnsactors.notifications.skipped</c> counter for missing addresses, as Prometheus shows it.</summary>
    private async Task<double> SkippedAsync()
    {
        var metrics = await emailSilo.Silo.Http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("returnsactors_notifications_skipped_total{", StringComparison.Ordinal) && l.Contains("reason=\"no_address\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }
}
