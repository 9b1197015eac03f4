using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReturnsActors.Grains;

namespace ReturnsActors.Api.Problems;

/// <summary>Writes RFC 9457 problems outside endpoint handlers (middleware, authorization, rate limits).</summary>
internal static class ProblemWriter
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string? detail,
        IDictionary<string, object?>? extensions = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            // The client's Accept excluded JSON; a problem is still the only body we have.
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }
}

/// <summary>Every exception becomes a problem without a stack trace: bad requests (malformed JSON, a body over
/// the size limit) keep their status and say what was wrong; anything else is a 500 with a trace id.</summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
        {
            var detail = bad.InnerException is System.Text.Json.JsonException json
                ? $"The body is not valid JSON for this operation: {json.Message}"
                : bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"The body is larger than the {context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes this API accepts."
                    : bad.Message;
            await ProblemWriter.WriteAsync(context, bad.StatusCode, Title(bad.StatusCode), detail);
            return true;
        }

        if (exception is RmaUnavailableException unavailable)
        {
            // Retryable: nothing of the command was recorded (the log could not be written, or another writer was first).
            // Quarantined: the return's log holds an event this version cannot read; an operator repairs it.
            if (unavailable.Retryable)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await ProblemWriter.WriteAsync(context, unavailable.Retryable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict,
                unavailable.Retryable ? "The return cannot take the request right now." : "The return is quarantined.", unavailable.Message,
                new Dictionary<string, object?> { ["code"] = unavailable.Code });
            return true;
        }

        LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        await ProblemWriter.WriteAsync(context, StatusCodes.Status500InternalServerError, "An unexpected error occurred.",
            "The error was logged; quote the trace id when you report it.",
            new Dictionary<string, object?> { ["traceId"] = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier });
        return true;
    }

    private static string Title(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type.",
        _ => "The request is not valid.",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
