using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>SMTP and recipient settings of customer notifications, resolved from <c>Notifications:*</c>.</summary>
internal sealed record EmailNotificationOptions(string Host, int Port, bool UseTls, string From, string Recipient, string Language);

/// <summary>A subject and a body with <c>{placeholder}</c>s: <c>{rmaId}</c>, <c>{seq}</c> and any top-level field of the event's data
/// (<c>{carrier}</c>, <c>{trackingNumber}</c>, <c>{labelUrl}</c>, ...).</summary>
internal sealed record EmailTemplate(string Subject, string Body);

/// <summary>The built-in templates per language and milestone event type.</summary>
internal static class EmailTemplates
{
    public static readonly IReadOnlyList<string> Languages = ["en", "de"];

    private static readonly Dictionary<(string Language, string Type), EmailTemplate> BuiltIn = new()
    {
        [("en", "return.authorized")] = new("Your return {rmaId} is authorized",
            "Good news: your return {rmaId} is authorized. We will send you the shipping label next."),
        [("en", "label.created")] = new("Your return label for {rmaId}",
            "Your return label for {rmaId} is ready: carrier {carrier}, tracking number {trackingNumber}. Label: {labelUrl}"),
        [("en", "return.declined")] = new("Your return {rmaId} was declined",
            "We are sorry: your return {rmaId} was declined. Please contact us if you have questions."),
        [("en", "settlement.refund_issued")] = new("Your refund for {rmaId} is on its way",
            "We have issued the refund for your return {rmaId}."),
        [("en", "settlement.credit_issued")] = new("Your store credit for {rmaId}",
            "We have issued store credit for your return {rmaId}."),
        [("en", "return.closed")] = new("Your return {rmaId} is complete",
            "Your return {rmaId} is complete. Thank you."),
        [("de", "return.authorized")] = new("Ihre Retoure {rmaId} ist genehmigt",
            "Gute Nachricht: Ihre Retoure {rmaId} ist genehmigt. Das Versandetikett senden wir Ihnen als Nächstes."),
        [("de", "label.created")] = new("Ihr Retourenetikett für {rmaId}",
            "Ihr Retourenetikett für {rmaId} ist bereit: Versanddienst {carrier}, Sendungsnummer {trackingNumber}. Etikett: {labelUrl}"),
        [("de", "return.declined")] = new("Ihre Retoure {rmaId} wurde abgelehnt",
            "Leider wurde Ihre Retoure {rmaId} abgelehnt. Bei Fragen wenden Sie sich bitte an uns."),
        [("de", "settlement.refund_issued")] = new("Ihre Erstattung für {rmaId} ist unterwegs",
            "Wir haben die Erstattung für Ihre Retoure {rmaId} veranlasst."),
        [("de", "settlement.credit_issued")] = new("Ihr Guthaben für {rmaId}",
            "Wir haben Ihnen für Ihre Retoure {rmaId} ein Guthaben gutgeschrieben."),
        [("de", "return.closed")] = new("Ihre Retoure {rmaId} ist abgeschlossen",
            "Ihre Retoure {rmaId} ist abgeschlossen. Vielen Dank."),
    };

    public static bool IsMilestone(string eventType) => BuiltIn.ContainsKey(("en", eventType));

    public static EmailTemplate? Find(string language, string eventType) =>
        BuiltIn.GetValueOrDefault((language, eventType)) ?? BuiltIn.GetValueOrDefault(("en", eventType));

    /// <summary>Fills the placeholders; unknown ones are left as they are.</summary>
    public static string Render(string text, WebhookEvent e)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["rmaId"] = e.RmaId, ["seq"] = e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        using (var data = JsonDocument.Parse(e.DataJson))
        {
            if (data.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in data.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    {
                        values.TryAdd(property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
                    }
                }
            }
        }

        var result = new StringBuilder(text);
        foreach (var (name, value) in values)
        {
            result.Replace("{" + name + "}", value);
        }

        return result.ToString();
    }
}

/// <summary>Mails the customer at each milestone through SMTP (MailKit). The Message-Id is stable per (tenant, return, seq), so a
/// mail sent again after a crash between the server's accept and the checkpoint can be recognised as the same one.</summary>
internal sealed class EmailNotificationChannel(EmailNotificationOptions options, INotificationTemplateStore overrides) : IConnectorChannel
{
    public string Name => "email";

    public bool Wants(string eventType) => EmailTemplates.IsMilestone(eventType);

    public async Task<(bool Sent, string? Error)> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
    {
        var template = await overrides.GetAsync(e.TenantId, options.Language, e.Type, cancellationToken) is { Subject: { } subject, Body: { } body }
            ? new EmailTemplate(subject, body)
            : EmailTemplates.Find(options.Language, e.Type);
        if (template is null)
        {
            return (true, null);
        }

        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(options.Recipient));
        message.Subject = EmailTemplates.Render(template.Subject, e);
        message.MessageId = MessageId(e, options.From);
        message.Headers.Add("Content-Language", options.Language);
        message.Body = new TextPart("plain") { Text = EmailTemplates.Render(template.Body, e) };
        try
        {
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

    internal static string MessageId(WebhookEvent e, string from)
    {
        var domain = from.Contains('@', StringComparison.Ordinal) ? from[(from.LastIndexOf('@') + 1)..].TrimEnd('>') : "returnsactors.local";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.TenantId}/{e.RmaId}/{e.Seq}/email")))[..32];
        return $"{hash}@{domain}";
    }
}
