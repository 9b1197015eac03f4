using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Api.Webhooks;

namespace ReturnsActors.Api.Notifications;

/// <summary>A tenant's own email template for one language and milestone event type, overriding the built-in one. Placeholders:
/// <c>{rmaId}</c>, <c>{seq}</c> and the event's data fields (<c>{carrier}</c>, <c>{trackingNumber}</c>, ...).</summary>
/// <param name="Subject">1 to 200 characters.</param>
/// <param name="Body">Plain text, 1 to 20000 characters.</param>
public sealed record NotificationTemplate(string? Subject, string? Body);

/// <summary>A tenant's notification settings.</summary>
/// <param name="DefaultLanguage">The language tag a customer's mail falls back to when neither the customer's tag nor its base
/// language has a template (before <c>en</c>); null: straight to <c>en</c>.</param>
public sealed record NotificationSettings(string? DefaultLanguage);

/// <summary>Tenants' template overrides and default language.</summary>
public interface INotificationTemplateStore
{
    Task PutAsync(string tenantId, string language, string eventType, NotificationTemplate template, CancellationToken cancellationToken);

    Task<NotificationTemplate?> GetAsync(string tenantId, string language, string eventType, CancellationToken cancellationToken);

    Task PutDefaultLanguageAsync(string tenantId, string language, CancellationToken cancellationToken);

    /// <summary>The tenant's default language (lower case), or null when none was set.</summary>
    Task<string?> GetDefaultLanguageAsync(string tenantId, CancellationToken cancellationToken);
}

/// <summary><c>/v1/notifications</c>: the tenant's email templates and default language (tenant admin).</summary>
internal static class NotificationTemplatesApi
{
    /// <summary>The milestone event types a template can be given for.</summary>
    public static readonly IReadOnlyList<string> EventTypes =
        [ReturnAuthorized.WireName, LabelCreated.WireName, ReturnDeclined.WireName, ReceiptRecorded.WireName, RefundIssued.WireName, CreditIssued.WireName, ReturnClosed.WireName];

    public static RouteGroupBuilder MapNotificationTemplates(this IEndpointRouteBuilder app)
    {
        var group = app.MapEventsOutGroup("/v1/notifications");
        group.MapPut("/templates/{language}/{eventType}", PutAsync).WithName("PutNotificationTemplate")
            .WithSummary("Override the built-in email template of one language tag and milestone for the tenant");
        group.MapGet("/templates/{language}/{eventType}", GetAsync).WithName("GetNotificationTemplate")
            .WithSummary("The tenant's override of one template (404 when the built-in one is used)");
        group.MapPut("/settings", PutSettingsAsync).WithName("PutNotificationSettings")
            .WithSummary("Set the tenant's default notification language (the fallback before en)");
        group.MapGet("/settings", GetSettingsAsync).WithName("GetNotificationSettings")
            .WithSummary("The tenant's notification settings");
        return group;
    }

    private static async Task<Results<Ok<NotificationSettings>, ProblemHttpResult>> PutSettingsAsync(NotificationSettings settings, HttpContext http,
        INotificationTemplateStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!CustomerLanguage.IsTag(settings.DefaultLanguage?.Trim()))
        {
            return RejectionResults.Invalid("defaultLanguage", "A language tag such as de or en-GB.");
        }

        var language = CustomerLanguage.Normalize(settings.DefaultLanguage!);
        await store.PutDefaultLanguageAsync(tenant, language, cancellationToken);
        return TypedResults.Ok(new NotificationSettings(language));
    }

    private static async Task<Results<Ok<NotificationSettings>, ProblemHttpResult>> GetSettingsAsync(HttpContext http, INotificationTemplateStore store,
        CancellationToken cancellationToken) =>
        CallerTenant.Resolve(http) is not { } tenant
            ? CallerTenant.Missing()
            : TypedResults.Ok(new NotificationSettings(await store.GetDefaultLanguageAsync(tenant, cancellationToken)));

    private static async Task<Results<Ok<NotificationTemplate>, ProblemHttpResult>> PutAsync(string language, string eventType,
        NotificationTemplate template, HttpContext http, INotificationTemplateStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!CustomerLanguage.IsTag(language))
        {
            return RejectionResults.Invalid("language", "A language tag such as de or en-GB.");
        }

        language = CustomerLanguage.Normalize(language);

        if (!EventTypes.Contains(eventType))
        {
            return RejectionResults.Invalid("eventType", "Give a milestone: " + string.Join(", ", EventTypes) + ".");
        }

        if (template.Subject is not { Length: >= 1 and <= 200 })
        {
            return RejectionResults.Invalid("subject", "1 to 200 characters.");
        }

        if (template.Body is not { Length: >= 1 and <= 20_000 })
        {
            return RejectionResults.Invalid("body", "1 to 20000 characters.");
        }

        await store.PutAsync(tenant, language, eventType, template, cancellationToken);
        return TypedResults.Ok(template);
    }

    private static async Task<Results<Ok<NotificationTemplate>, NotFound, ProblemHttpResult>> GetAsync(string language, string eventType,
        HttpContext http, INotificationTemplateStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return CustomerLanguage.IsTag(language) && await store.GetAsync(tenant, CustomerLanguage.Normalize(language), eventType, cancellationToken) is { } template
            ? TypedResults.Ok(template)
            : TypedResults.NotFound();
    }
}
