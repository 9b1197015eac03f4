using System.Net.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Orders;

namespace ReturnsActors.Api.Orders;

/// <summary>An order as a shop or ERP sends it, to check returns against.</summary>
/// <remarks>
/// <para><c>Region</c> is the customer's region (e.g. DE): returns are routed to a warehouse that serves it.</para>
/// <para><c>CustomerEmail</c> and <c>CustomerLanguage</c> (a language tag such as <c>de</c> or <c>en-GB</c>) are where and in which
/// language the customer is notified; they are read from the order when a mail is sent and never written into the audit trail.</para>
/// <para><c>CustomerTier</c> is <c>standard</c>, <c>silver</c> or <c>gold</c> (advisory recommendations weigh it).</para>
/// </remarks>
public sealed record OrderRequest(string? Channel, DateTimeOffset? DeliveredAt, string? Currency, string? BusinessUnit, IReadOnlyList<OrderLineRequest>? Lines,
    string? Region = null, string? CustomerId = null, string? CustomerEmail = null, string? CustomerLanguage = null, string? CustomerTier = null);

/// <summary>One order line.</summary>
/// <remarks><c>SupplierId</c> is who a defective unit of this line is claimed back from; <c>WarrantyMonths</c> the warranty sold with it
/// (from delivery).</remarks>
public sealed record OrderLineRequest(string? OrderLineId, string? Sku, string? Category, int Quantity, decimal UnitPrice, IReadOnlyList<string>? SerialNumbers,
    string? SupplierId = null, int? WarrantyMonths = null);

/// <summary><c>/v1/orders</c>: loads the order catalog returns are checked against.</summary>
internal static class OrdersApi
{
    public static RouteGroupBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/orders").WithTags("Orders").RequireAuthorization(Actions.OrdersWrite).ProducesCommandProblems();
        group.MapPut("/{orderId}", PutAsync).WithName("PutOrder").WithSummary("Load or replace an order in the catalog");
        group.MapGet("/{orderId}", GetAsync).WithName("GetOrder").WithSummary("Read an order from the catalog").RequireAuthorization(Actions.RmasRead);
        return group;
    }

    private static async Task<Results<Ok<OrderSnapshot>, ProblemHttpResult>> PutAsync(
        string orderId, OrderRequest request, HttpContext http, IOrderCatalog catalog, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var errors = Validate(orderId, request);
        if (errors.Count > 0)
        {
            return Rejection.Invalid("order.invalid", "The order is not valid.", errors).ToProblem();
        }

        var order = new OrderSnapshot(tenant, orderId, request.Channel!.Trim(), request.DeliveredAt!.Value, request.Currency!.ToUpperInvariant(),
            request.Lines!.Select(l => new OrderLine(l.OrderLineId!, l.Sku!, l.Category!, l.Quantity, l.UnitPrice, l.SerialNumbers ?? [],
                Trimmed(l.SupplierId), l.WarrantyMonths)).ToList(),
            request.BusinessUnit, Trimmed(request.Region)?.ToUpperInvariant(), Trimmed(request.CustomerId), Trimmed(request.CustomerEmail),
            Trimmed(request.CustomerLanguage), Trimmed(request.CustomerTier)?.ToLowerInvariant());
        await catalog.UpsertAsync(order, cancellationToken);
        return TypedResults.Ok(order);
    }

    private static async Task<Results<Ok<OrderSnapshot>, NotFound, ProblemHttpResult>> GetAsync(
        string orderId, HttpContext http, IOrderSource orders, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var order = await orders.GetOrderAsync(tenant, orderId, cancellationToken);
        return order is null ? TypedResults.NotFound() : TypedResults.Ok(order);
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Dictionary<string, string[]> Validate(string orderId, OrderRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [message];
        if (orderId.Length is 0 or > 64) Add("orderId", "Must be 1 to 64 characters.");
        if (string.IsNullOrWhiteSpace(r.Channel)) Add("channel", "Required (e.g. web, store, marketplace).");
        if (r.DeliveredAt is null) Add("deliveredAt", "Required.");
        if (r.Region is { Length: > 32 }) Add("region", "At most 32 characters.");
        if (r.CustomerId is { Length: > 128 }) Add("customerId", "At most 128 characters.");
        if (Trimmed(r.CustomerEmail) is { } email && (email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            Add("customerEmail", "An e-mail address such as jane@example.com.");
        }

        if (Trimmed(r.CustomerLanguage) is { } language && !CustomerLanguage.IsTag(language)) Add("customerLanguage", "A language tag such as de or en-GB.");
        if (Trimmed(r.CustomerTier) is { } tier && !CustomerTiers.All.Contains(tier.ToLowerInvariant()))
        {
            Add("customerTier", $"One of {string.Join(", ", CustomerTiers.All)}.");
        }

        if (r.Currency is not { Length: 3 } || !r.Currency.All(char.IsAsciiLetter)) Add("currency", "An ISO 4217 code such as EUR.");
        if (r.Lines is not { Count: > 0 })
        {
            Add("lines", "At least one line.");
            return errors;
        }

        for (var i = 0; i < r.Lines.Count; i++)
        {
            var l = r.Lines[i];
            if (string.IsNullOrWhiteSpace(l.OrderLineId)) Add($"lines[{i}].orderLineId", "Required.");
            if (string.IsNullOrWhiteSpace(l.Sku)) Add($"lines[{i}].sku", "Required.");
            if (string.IsNullOrWhiteSpace(l.Category)) Add($"lines[{i}].category", "Required.");
            if (l.Quantity <= 0) Add($"lines[{i}].quantity", "Must be at least 1.");
            if (l.UnitPrice < 0) Add($"lines[{i}].unitPrice", "Must not be negative.");
            if (l.WarrantyMonths is < 0 or > 240) Add($"lines[{i}].warrantyMonths", "0 to 240 months.");
            if (l.SupplierId is { } supplier && !CallerTenant.IsValidId(supplier.Trim())) Add($"lines[{i}].supplierId", "2 to 63 lower-case letters, digits or '-'.");
        }

        if (r.Lines.Select(l => l.OrderLineId).Distinct().Count() != r.Lines.Count) Add("lines", "Order line ids must be unique.");
        return errors;
    }
}
