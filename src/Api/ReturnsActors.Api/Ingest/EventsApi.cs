using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ReturnsActors.Api.Security;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Adapters.Inbound;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.DeadLetters;
using ReturnsActors.Api.Tenancy;

namespace ReturnsActors.Api.Ingest;

/// <summary>The answer of <c>POST /v1/events</c>: one result per event, in the order sent.</summary>
public sealed record IngestResponse(int Received, int Applied, int Duplicates, int Rejected, int DeadLettered, IReadOnlyList<EventResult> Results);

/// <summary>Bounds the ingest requests a silo works on at once; a request over it gets 429 + Retry-After before any work.</summary>
public sealed class IngestGate(IngestOptions options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions { PermitLimit = options.MaxConcurrentRequests, QueueLimit = 0 });

    public RateLimitLease TryEnter() => _limiter.AttemptAcquire();

    public void Dispose() => _limiter.Dispose();
}

/// <summary><c>POST /v1/events</c>: bulk CloudEvents in.</summary>
public static class EventsApi
{
    internal const int RetryAfterSeconds = 1;

    /// <summary>Ingest services; <see cref="IngestOptions"/> and an <see cref="IDeadLetterStore"/> registered before win.</summary>
    public static IServiceCollection AddReturnsIngest(this IServiceCollection services)
    {
        services.TryAddSingleton(new IngestOptions());
        services.TryAddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.TryAddSingleton<IngestGate>();
        services.TryAddSingleton<InboundProcessor>();
        services.AddDataProtection();
        services.TryAddSingleton<PartnerSecretProtector>();
        services.TryAddSingleton<WebhookSecretProtector>();
        services.TryAddSingleton<SupplierSecretProtector>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, GenericCarrierAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, EasyPostAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, ShippoAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, ErpCreditMemoAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, WmsAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPartnerAdapter, ShopifyAdapter>());
        return services;
    }

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", IngestAsync).WithTags("Events in").WithName("IngestEvents")
            .WithSummary("Bulk ingest of CloudEvents (NDJSON or a JSON array); one result per event")
            .Accepts<object>(CloudEventBatch.NdJson, CloudEventBatch.Batch, "application/json")
            .Produces<IngestResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            // Any role that may take at least one of the steps an event maps to; each event is then checked on its own.
            .RequireAuthorization(p => p.RequireRole(Permissions.RolesForAny(Permissions.CommandActions.Values)));
        app.MapDeadLetters();
        app.MapInbound();
        return app;
    }

    private static async Task<IResult> IngestAsync(HttpContext http, IngestGate gate, IngestOptions options, InboundProcessor processor,
        CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        using var lease = gate.TryEnter();
        if (!lease.IsAcquired)
        {
            return Overloaded(http, options);
        }

        var contentType = http.Request.ContentType;
        var ndjson = CloudEventBatch.IsNdJson(contentType);
        if (!ndjson && !CloudEventBatch.IsJsonArray(contentType))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                detail: $"Send {CloudEventBatch.NdJson} (one CloudEvent a line) or {CloudEventBatch.Batch} / application/json (a JSON array of CloudEvents).");
        }

        var body = await ReadBodyAsync(http, cancellationToken);
        IReadOnlyList<BatchEntry> entries;
        if (ndjson)
        {
            entries = CloudEventBatch.ReadNdJson(body, options.MaxBatchEvents);
        }
        else if (CloudEventBatch.ReadArray(body, options.MaxBatchEvents, out var error) is { } array)
        {
            entries = array;
        }
        else
        {
            // Not even a batch: keep the whole body, answer 422 naming the dead letter.
            var results = await processor.ProcessAsync(tenant, InboundProcessor.BulkSource,
                [new InboundItem(0, null, body, MapResult.Fail("batch.parse", error!))], Permissions.For(http.User), contentType, Headers(http, []), cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The batch is not valid.", detail: error,
                extensions: new Dictionary<string, object?> { ["code"] = "batch.parse", ["deadLetterId"] = results[0].DeadLetterId });
        }

        if (entries.Count > options.MaxBatchEvents)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The batch is too large.",
                detail: $"A batch carries at most {options.MaxBatchEvents} events; nothing was applied. Split it and send again.",
                extensions: new Dictionary<string, object?> { ["code"] = "batch.too_large", ["maxBatchEvents"] = options.MaxBatchEvents });
        }

        if (entries.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The batch is empty.",
                detail: "Send at least one CloudEvent.", extensions: new Dictionary<string, object?> { ["code"] = "batch.empty" });
        }

        var items = entries.Select(e => e.Event is null
                ? new InboundItem(e.Index, null, e.Raw, MapResult.Fail("event.parse", e.Error!))
                : new InboundItem(e.Index, e.Event.Id, e.Raw, CloudEventBatch.Map(e.Event)))
            .ToList();
        IReadOnlyList<EventResult> outcome;
        try
        {
            outcome = await processor.ProcessAsync(tenant, InboundProcessor.BulkSource, items, Permissions.For(http.User), "application/cloudevents+json", Headers(http, []), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return NotDurable(http, ex);
        }

        return TypedResults.Ok(new IngestResponse(outcome.Count,
            outcome.Count(r => r.Status == EventStatus.Applied),
            outcome.Count(r => r.Status == EventStatus.Duplicate),
            outcome.Count(r => r.Status == EventStatus.Rejected),
            outcome.Count(r => r.Status == EventStatus.DeadLettered),
            outcome));
    }

    internal static async Task<string> ReadBodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    internal static Dictionary<string, string> Headers(HttpContext http, IEnumerable<string> significant)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in significant.Append("User-Agent").Append("Content-Type"))
        {
            if (http.Request.Headers.TryGetValue(name, out var value))
            {
                headers[name] = value.ToString();
            }
        }

        return headers;
    }

    internal static ProblemHttpResult Overloaded(HttpContext http, IngestOptions options)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.",
            detail: $"This silo is already working on {options.MaxConcurrentRequests} ingest requests; nothing of this one was applied. Retry after {RetryAfterSeconds} s.",
            extensions: new Dictionary<string, object?> { ["code"] = "ingest.overloaded" });
    }

    /// <summary>A dead letter could not be stored: no 2xx, since not every event is durable. Whatever was applied stays applied
    /// and a retry of the same events is a no-op for those (their ids are command ids).</summary>
    internal static ProblemHttpResult NotDurable(HttpContext http, Exception exception)
    {
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("ReturnsActors.Ingest")
            .LogError(exception, "Ingest could not make every event durable");
        http.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not every event could be made durable.",
            detail: "Send the same events again (events already applied are recognised by their ids). Retry after 5 s.",
            extensions: new Dictionary<string, object?> { ["code"] = "ingest.not_durable" });
    }

}
