using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A local "ERP" (Kestrel on 127.0.0.1) taking credit-memo requests at <see cref="Url"/>: 503 to its first <see cref="FailFirst"/>
/// requests and to those <see cref="Reject"/> matches, 201 otherwise; requests <see cref="Hold"/> matches wait until it is released.</summary>
internal sealed class ErpReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private int _requests;

    public volatile int FailFirst;
    public volatile Func<JsonNode, bool>? Reject;
    public HoldGate Hold { get; } = new();
    public string Url { get; private set; } = "";
    public ConcurrentQueue<(int Status, string IdempotencyKey, string ApiKey, string Body)> Requests { get; } = new();

    /// <summary>The requests about <paramref name="tenant"/>.</summary>
    public List<(int Status, string IdempotencyKey, string ApiKey, string Body)> Of(string tenant) =>
        Requests.Where(r => JsonNode.Parse(r.Body)!["tenantId"]!.GetValue<string>() == tenant).ToList();

    public static async Task<ErpReceiver> StartAsync()
    {
        var erp = new ErpReceiver();
        (erp._app, var address) = await LoopbackServer.StartAsync(app => app.MapPost("/credit-memos", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var json = JsonNode.Parse(body)!;
            await erp.Hold.PassAsync(json);
            var status = Interlocked.Increment(ref erp._requests) <= erp.FailFirst || erp.Reject?.Invoke(json) == true
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status201Created;
            erp.Requests.Enqueue((status, context.Request.Headers["Idempotency-Key"].ToString(), context.Request.Headers["X-Api-Key"].ToString(), body));
            return Results.StatusCode(status);
        }));
        erp.Url = $"{address}/credit-memos";
        return erp;
    }

    public async ValueTask DisposeAsync()
    {
        Hold.Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
