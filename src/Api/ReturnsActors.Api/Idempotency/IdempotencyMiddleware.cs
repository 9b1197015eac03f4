using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Problems;

namespace ReturnsActors.Api.Idempotency;

/// <summary><c>Idempotency-Key</c> on writes under <c>/v1</c> (IETF draft-ietf-httpapi-idempotency-key-header).
/// Runs after authorization, so only permitted requests claim a key. Keys are scoped to the caller's tenant
/// (or to the caller, for a platform admin). The fingerprint is method, path and SHA-256 of the body: a repeat
/// with the same fingerprint gets the stored response again (status, Content-Type, Location, body), the same
/// key with another fingerprint gets 422, and a repeat while the first is still running gets 409.
/// Only 2xx and 4xx other than 409 and 429 are stored; anything else frees the key for a retry.</summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store, ReturnsApiOptions options, TimeProvider time)
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Set on a replayed response.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    private const int MaxKeyLength = 255;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);
    private static readonly object ReplayBodyItem = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsWrite(context.Request.Method) || !context.Request.Path.StartsWithSegments("/v1")
            || !context.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            await next(context);
            return;
        }

        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength || key.Any(c => c < 0x20 || c > 0x7e))
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status400BadRequest, "The Idempotency-Key header is not valid.",
                $"Send one {HeaderName} of 1 to {MaxKeyLength} printable ASCII characters, e.g. a UUID.");
            return;
        }

        if (context.User.GetCallerScope() is not { } scope)
        {
            await next(context);
            return;
        }

        var fingerprint = await FingerprintAsync(context.Request, context.RequestAborted);
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReturnCommandIdempotency>() is not null)
        {
            // A command to a return: the key is its command id, which the return's log and snapshot remember with this
            // fingerprint; no separate store on the hot path (see ReturnCommandIdempotency).
            context.Items[ReturnCommandIdempotency.FingerprintItem] = fingerprint;
            await next(context);
            return;
        }

        var claim = await store.TryBeginAsync(scope, key, fingerprint, time.GetUtcNow() + options.IdempotencyRetention, LockTimeout,
            context.RequestAborted);
        if (claim.State != IdempotencyClaimState.Claimed && claim.Fingerprint != fingerprint)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "The Idempotency-Key was used for another request.",
                "This key was first sent with a different method, path or body. Use a new key for a new request.",
                new Dictionary<string, object?> { ["code"] = "idempotency_key.reused" });
            return;
        }

        if (claim.State == IdempotencyClaimState.InFlight)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status409Conflict, "A request with this Idempotency-Key is still being processed.",
                "Retry after the first request has finished; its response will then be replayed.",
                new Dictionary<string, object?> { ["code"] = "idempotency_key.in_flight" });
            return;
        }

        if (claim.State == IdempotencyClaimState.Completed)
        {
            await ReplayAsync(context, claim.Response!);
            return;
        }

        await ExecuteAndStoreAsync(context, scope, key);
    }

    /// <summary>For a response carrying a secret shown once (a new API key): what a replay shows instead of the
    /// body, so the secret is never stored in the idempotency store.</summary>
    public static void SetReplayBody<T>(HttpContext context, T value)
    {
        var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        context.Items[ReplayBodyItem] = JsonSerializer.SerializeToUtf8Bytes(value, json);
    }

    /// <summary>Method, path with query, and the SHA-256 of the body, as one string.</summary>
    public static string Fingerprint(string method, string pathAndQuery, ReadOnlySpan<byte> bodyHash) =>
        $"{method.ToUpperInvariant()} {pathAndQuery} sha256:{Convert.ToHexStringLower(bodyHash)}";

    private static async Task<string> FingerprintAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Buffered, so the endpoint reads the same bytes again; Kestrel's body-size limit still applies (413).
        request.EnableBuffering();
        var hash = await SHA256.HashDataAsync(request.Body, cancellationToken);
        request.Body.Position = 0;
        return Fingerprint(request.Method, $"{request.PathBase}{request.Path}{request.QueryString}", hash);
    }

    private async Task ExecuteAndStoreAsync(HttpContext context, string scope, string key)
    {
        var originalBody = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            await next(context);
        }
        catch
        {
            context.Features.Set(originalBody);
            await store.ReleaseAsync(scope, key, CancellationToken.None);
            throw;
        }

        context.Features.Set(originalBody);
        var status = context.Response.StatusCode;
        if (IsStored(status))
        {
            var stored = context.Items[ReplayBodyItem] as byte[] ?? buffer.ToArray();
            await store.CompleteAsync(scope, key,
                new StoredResponse(status, context.Response.ContentType, context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null, stored),
                CancellationToken.None);
        }
        else
        {
            await store.ReleaseAsync(scope, key, CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext context, StoredResponse response)
    {
        context.Response.StatusCode = response.StatusCode;
        if (response.ContentType is not null)
        {
            context.Response.ContentType = response.ContentType;
        }

        if (response.Location is not null)
        {
            context.Response.Headers.Location = response.Location;
        }

        context.Response.Headers[ReplayedHeader] = "true";
        if (response.Body.Length > 0)
        {
            // An empty body is left alone, so the status-code pages add the same problem body as the first time.
            context.Response.ContentLength = response.Body.Length;
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool IsStored(int status) =>
        status is >= 200 and < 300 || (status is >= 400 and < 500 && status != StatusCodes.Status409Conflict && status != StatusCodes.Status429TooManyRequests);
}

/// <summary>Endpoint metadata of the commands to one return (<c>POST /v1/rmas</c> and <c>POST /v1/rmas/{rmaId}/{action}</c>): their
/// Idempotency-Key is the command id, and the return itself recognises it (from its snapshot, or from the command ids of the
/// events in its log), answers a retry as the first time (<c>Idempotent-Replayed: true</c>) and refuses the same key with another
/// request (422 <c>idempotency_key.reused</c>). The key is scoped to the return. A create without <c>rmaId</c> names the return
/// after the tenant and the key, so its retry reaches the same return.</summary>
public sealed class ReturnCommandIdempotency
{
    public static ReturnCommandIdempotency Instance { get; } = new();

    /// <summary>The <see cref="HttpContext.Items"/> key of the request's fingerprint.</summary>
    public static readonly object FingerprintItem = new();

    /// <summary>Passes the request's fingerprint to the return's grain for the call made in <paramref name="call"/>.</summary>
    public static async Task<T> CallAsync<T>(HttpContext http, Func<Task<T>> call)
    {
        var fingerprint = http.Items[FingerprintItem] as string;
        if (fingerprint is null)
        {
            return await call();
        }

        Orleans.Runtime.RequestContext.Set(Grains.Rma.RmaRequestContext.RequestFingerprint, fingerprint);
        try
        {
            return await call();
        }
        finally
        {
            Orleans.Runtime.RequestContext.Remove(Grains.Rma.RmaRequestContext.RequestFingerprint);
        }
    }

    /// <summary>Marks a replayed answer as the stored-response path does.</summary>
    public static void MarkReplayed(HttpContext http, bool replayed)
    {
        if (replayed)
        {
            http.Response.Headers[IdempotencyMiddleware.ReplayedHeader] = "true";
        }
    }
}
