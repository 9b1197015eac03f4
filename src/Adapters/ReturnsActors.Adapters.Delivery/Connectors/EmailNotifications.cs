using System.Security.Cryptography;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Telemetry;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>SMTP settings of customer notifications, resolved from <c>Notifications:*</c>; <paramref name="RecipientOverride"/> (development
/// only) receives every mail instead of the customer.</summary>
internal sealed record EmailNotificationOptions(string Host, int Port, bool UseTls, string From, string? RecipientOverride);

/// <summary>A subject and a body with <c>{placeholder}</c>s: <c>{rmaId}</c>, <c>{seq}</c> and any top-level field of the event's data
/// (<c>{carrier}</c>, <c>{trackingNumber}</c>, <c>{labelUrl}</c>, ...).</summary>
internal sealed record EmailTemplate(string Subject, string Body);

/// <summary>The built-in templates per language and milestone event type.</summary>
internal static class EmailTemplates
{
    private static readonly Dictionary<(string Language, string Type), EmailTemplate> BuiltIn = new()
    {
        [("en", ReturnAuthorized.WireName)] = new("Your return {rmaId} is authorized",
            "Good news: your return {rmaId} is authorized. We will send you the shipping label next."),
        [("en", LabelCreated.WireName)] = new("Your return label for {rmaId}",
            "Your return label for {rmaId} is ready: carrier {carrier}, tracking number {trackingNumber}. Label: {labelUrl}"),
        [("en", ReturnDeclined.WireName)] = new("Your return {rmaId} was declined",
            "We are sorry: your return {rmaId} was declined. Please contact us if you have questions."),
        [("en", ReceiptRecorded.WireName)] = new("We have received your return {rmaId}",
            "Your return {rmaId} has arrived at our warehouse. We will check it and let you know how it is settled."),
        [("en", RefundIssued.WireName)] = new("Your refund for {rmaId} is on its way",
            "We have issued the refund for your return {rmaId}."),
        [("en", CreditIssued.WireName)] = new("Your store credit for {rmaId}",
            "We have issued store credit for your return {rmaId}."),
        [("en", ReturnClosed.WireName)] = new("Your return {rmaId} is complete",
            "Your return {rmaId} is complete. Thank you."),
        [("de", ReturnAuthorized.WireName)] = new("Ihre Retoure {rmaId} ist genehmigt",
            "Gute Nachricht: Ihre Retoure {rmaId} ist genehmigt. Das Versandetikett senden wir Ihnen als Nächstes."),
        [("de", LabelCreated.WireName)] = new("Ihr Retourenetikett für {rmaId}",
            "Ihr Retourenetikett für {rmaId} ist bereit: Versanddienst {carrier}, Sendungsnummer {trackingNumber}. Etikett: {labelUrl}"),
        [("de", ReturnDeclined.WireName)] = new("Ihre Retoure {rmaId} wurde abgelehnt",
            "Leider wurde Ihre Retoure {rmaId} abgelehnt. Bei Fragen wenden Sie sich bitte an uns."),
        [("de", ReceiptRecorded.WireName)] = new("Ihre Retoure {rmaId} ist bei uns eingetroffen",
            "Ihre Retoure {rmaId} ist in unserem Lager eingetroffen. Wir prüfen sie und melden uns, sobald sie abgerechnet ist."),
        [("de", RefundIssued.WireName)] = new("Ihre Erstattung für {rmaId} ist unterwegs",
            "Wir haben die Erstattung für Ihre Retoure {rmaId} veranlasst."),
        [("de", CreditIssued.WireName)] = new("Ihr Guthaben für {rmaId}",
            "Wir haben Ihnen für Ihre Retoure {rmaId} ein Guthaben gutgeschrieben."),
        [("de", ReturnClosed.WireName)] = new("Ihre Retoure {rmaId} ist abgeschlossen",
            "Ihre Retoure {rmaId} ist abgeschlossen. Vielen Dank."),
    };

    public static bool IsMilestone(string eventType) => BuiltIn.ContainsKey(("en", eventType));

    public static EmailTemplate? Find(string language, string eventType) => BuiltIn.GetValueOrDefault((language, eventType));

    /// <summary>Fills the placeholders; unknown ones are left as they are.</summary>
    public static string Render(string text, WebhookEvent e)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["rmaId"] = e.RmaId, ["seq"] = e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (name, value) in RmaEventCatalog.ScalarFields(RmaEventCatalog.Deserialize(e.Type, e.DataJson)))
        {
            values.TryAdd(name, value);
        }

        var result = new StringBuilder(text);
        foreach (var (name, value) in values)
        {
            result.Replace("{" + name + "}", value);
        }

        return result.ToString();
    }
}

/// <summary>Mails the customer of the return's order at each milestone through SMTP (MailKit), in the customer's language. The address
/// and language are read at send time from the order (<see cref="IOrderSource"/>) the return's events name, so they stay out of grain
/// state and the event log, and the return's grain is not called.
/// An order without an address skips the mail (logged and counted in <c>returnsactors.notifications.skipped</c>), and the channel
/// moves on. The Message-Id is stable per (tenant, return, seq), so a mail sent again after a crash between the server's accept and
/// the checkpoint can be recognised as the same one.</summary>
internal sealed partial class EmailNotificationChannel(
    EmailNotificationOptions options, INotificationTemplateStore templates, IRmaEventLog log, IOrderSource orders, ReturnsMetrics metrics,
    ILogger<EmailNotificationChannel> logger) : IConnectorChannel
{
    public string Name => "email";

    public bool Wants(string eventType) => EmailTemplates.IsMilestone(eventType);

    public async Task<(bool Sent, string? Error)> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
    {
        // Goods are announced once, at the first receipt where anything arrived; later partial receipts send nothing.
        if (RmaEventCatalog.Deserialize(e.Type, e.DataJson) is ReceiptRecorded { FirstArrival: false })
        {
            return (true, null);
        }

        try
        {
            var order = await OrderAsync(e, cancellationToken);
            if ((options.RecipientOverride ?? order?.CustomerEmail) is not { } recipient)
            {
                var reason = order is null ? "no_order" : "no_address";
                metrics.NotificationSkipped(Name, reason);
                LogSkipped(e.TenantId, e.RmaId, e.Seq, e.Type, reason);
                return (true, null);
            }

            if (await ResolveAsync(e.TenantId, order?.CustomerLanguage, e.Type, cancellationToken) is not { } resolved)
            {
                return (true, null);
            }

            var (language, template) = resolved;

            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(options.From));
            message.To.Add(MailboxAddress.Parse(recipient));
            message.Subject = EmailTemplates.Render(template.Subject, e);
            message.MessageId = MessageId(e, options.From);
            message.Headers.Add("Content-Language", language);
            message.Body = new TextPart("plain") { Text = EmailTemplates.Render(template.Body, e) };
            using var smtp = new SmtpClient { Timeout = 15_000 };
            await smtp.ConnectAsync(options.Host, options.Port, options.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(true, cancellationToken);
            return (true, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (false, ex.Message);
        }
    }

    /// <summary>The order as it is now of the return's <c>return.requested</c> in the log (null when the return names no known order).</summary>
    private async Task<OrderSnapshot?> OrderAsync(WebhookEvent e, CancellationToken cancellationToken) =>
        (await log.ReadAsync($"{e.TenantId}/{e.RmaId}", cancellationToken)).Select(RmaEventCatalog.Deserialize).OfType<ReturnRequested>().FirstOrDefault()
            is { OrderId.Length: > 0 } requested
            ? await orders.GetOrderAsync(e.TenantId, requested.OrderId)
            : null;

    /// <summary>Along the language chain (customer's tag, its base, the tenant's default, <c>en</c>), the first language with a tenant
    /// template or a built-in one; the tenant's template wins within a language.</summary>
    private async Task<(string Language, EmailTemplate Template)?> ResolveAsync(string tenantId, string? customerLanguage, string eventType,
        CancellationToken cancellationToken)
    {
        var tenantDefault = await templates.GetDefaultLanguageAsync(tenantId, cancellationToken);
        foreach (var language in CustomerLanguage.Chain(customerLanguage, tenantDefault))
        {
            if (await templates.GetAsync(tenantId, language, eventType, cancellationToken) is { Subject: { } subject, Body: { } body })
            {
                return (language, new EmailTemplate(subject, body));
            }

            if (EmailTemplates.Find(language, eventType) is { } builtIn)
            {
                return (language, builtIn);
            }
        }

        return null;
    }

    internal static string MessageId(WebhookEvent e, string from)
    {
        var domain = from.Contains('@', StringComparison.Ordinal) ? from[(from.LastIndexOf('@') + 1)..].TrimEnd('>') : "returnsactors.local";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.TenantId}/{e.RmaId}/{e.Seq}/email")))[..32];
        return $"{hash}@{domain}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email for tenant {TenantId} return {RmaId} seq {Seq} ({EventType}) skipped: {Reason}")]
    private partial void LogSkipped(string tenantId, string rmaId, long seq, string eventType, string reason);
}
