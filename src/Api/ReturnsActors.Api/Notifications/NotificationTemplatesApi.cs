using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Api.Webhooks;

namespace ReturnsActors.Api.Notifications;

/// <summary>A tenant's own email template for one language and milestone event type, overriding the built-in one. Placeholders:
/// <c>{rmaId}</c>, <c>{seq}</c> and the event's data fields (<c>{carrier}</c>, <c>{trackingNumber}</c>, ...).</summary>
/// <param name="Subject">1 to 200 characters.</param>
/// <param name="Body">Plain text, 1 to 20000 characters.</param>
public sealed record NotificationTemplate(string? Subject, string? Body);

/// <summary>Tenants' template overrides.</summary>
public interface INotificationTemplateStore
{
    Task PutAsync(string tenantId, string language, string eventType, NotificationTemplate template, CancellationToken cancellationToken);

    Task<NotificationTemplate?> GetAsync(string tenantId, string language, string eventType, CancellationToken cancellationToken);
}

/// <summary><c>/v1/notifications/templates</c>: the tenant's email templates (tenant admin).</summary>
internal static class NotificationTemplatesApi
{
    /// <summary>The languages and milestone event types a template can be given for.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", "de"];

    public static readonly IReadOnlyList<string> EventTypes =
        ["return.authorized", "label.created", "return.declined", "settlement.refund_issued", "settlement.credit_issued", "return.closed"];

    public static RouteGroupBuilder MapNotificationTemplates(this IEndpointRouteBuilder app)
    {
        var group = app.MapEventsOutGroup("/v1/notifications/templates");
        group.MapPut("/{language}/{eventType}", PutAsync).WithName("PutNotificationTemplate")
            .WithSummary("Override the built-in email template of one language and milestone for the tenant");
        group.MapGet("/{language}/{eventType}", GetAsync).WithName("GetNotificationTemplate")
            .WithSummary("The tenant's override of one template (404 when the built-in one is used)");
        return group;
    }

    private static async Task<Results<Ok<NotificationTemplate>, ProblemHttpResult>> PutAsync(string language, string eventType,
        NotificationTemplate template, HttpContext http, INotificationTemplateStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!Languages.Contains(language))
        {
            return RejectionResults.Invalid("language", "Give en or de.");
        }

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

        return await store.GetAsync(tenant, language, eventType, cancellationToken) is { } template ? TypedResults.Ok(template) : TypedResults.NotFound();
    }
}
