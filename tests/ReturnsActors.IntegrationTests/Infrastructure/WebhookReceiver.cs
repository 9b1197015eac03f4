using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A subscriber on a random loopback port: answers <see cref="Status"/>; on a 2xx it verifies each signature with the
/// StandardWebhooks package (one signature at a time: the package mishandles several in one header) and records the event. Every
/// attempt's webhook-id is in <see cref="AttemptIds"/>; <see cref="Reject"/> answers 500 to the events it matches; <see cref="Hold"/> keeps
/// the events it matches waiting until it is released.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private int _attempts;

    public volatile int Status;
    public volatile string? RetryAfter;
    public ConcurrentQueue<DateTimeOffset> AttemptTimes { get; } = new();
    public string Url { get; private set; } = "";
    public int Attempts => Volatile.Read(ref _attempts);
    public ConcurrentBag<string> Secrets { get; } = [];
    public ConcurrentQueue<(string WebhookId, string Rma, long Seq, int Signatures)> Received { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();
    public ConcurrentQueue<string> AttemptIds { get; } = new();
    public volatile Func<JsonNode, bool>? Reject;
    public HoldGate Hold { get; } = new();

    /// <summary>Starts a receiver at <c>{listenAt}/hook</c>: a random 127.0.0.1 port unless a loopback <paramref name="listenAt"/> is given.</summary>
    public static async Task<WebhookReceiver> StartAsync(int status, string listenAt = "http://127.0.0.1:0")
    {
        var subscriber = new WebhookReceiver { Status = status };
        (subscriber._app, var address) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            Interlocked.Increment(ref subscriber._attempts);
            subscriber.AttemptTimes.Enqueue(DateTimeOffset.UtcNow);
            subscriber.AttemptIds.Enqueue(context.Request.Headers["webhook-id"].ToString());
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var json = JsonNode.Parse(body)!;
            await subscriber.Hold.PassAsync(json);
            var status = subscriber.Reject?.Invoke(json) == true ? StatusCodes.Status500InternalServerError : subscriber.Status;
            if (status is < 200 or >= 300)
            {
                if (subscriber.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter;
                }

                return Results.StatusCode(status);
            }

            subscriber.Verify(body, context.Request.Headers);
            subscriber.Received.Enqueue((context.Request.Headers["webhook-id"].ToString(), json["rmaId"]!.GetValue<string>(),
                json["seq"]!.GetValue<long>(), context.Request.Headers["webhook-signature"].ToString().Split(' ').Length));
            if (json["id"]!.GetValue<string>() != context.Request.Headers["webhook-id"].ToString())
            {
                subscriber.Failures.Enqueue("payload id differs from webhook-id");
            }

            return Results.NoContent();
        }), listenAt);
        subscriber.Url = $"{address}/hook";
        return subscriber;
    }

    private void Verify(string body, IHeaderDictionary headers)
    {
        var signatures = headers["webhook-signature"].ToString().Split(' ');
        var secrets = Secrets.ToList();
        foreach (var signature in signatures)
        {
            var single = new HeaderDictionary
            {
                ["webhook-id"] = headers["webhook-id"],
                ["webhook-timestamp"] = headers["webhook-timestamp"],
                ["webhook-signature"] = signature,
            };
            var verified = secrets.Any(secret =>
            {
                try
                {
                    new StandardWebhook(secret).Verify(body, single);
                    return true;
                }
                catch (Exception)
                {
                    return false;
                }
            });
            if (!verified)
            {
                Failures.Enqueue($"signature {signature} verifies with no secret");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
