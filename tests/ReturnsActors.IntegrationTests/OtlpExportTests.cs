using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>A collector on loopback receives the silo's OTLP/HTTP export, and the spans of one request are connected:
/// the HTTP server span is an ancestor of the grain call it caused, in the same trace.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task ACollector_ReceivesConnectedTraces_FromTheSilosOtlpExport()
    {
        var spans = new ConcurrentBag<OtlpSpan>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (signal == "traces")
            {
                foreach (var span in OtlpSpan.Parse(body.ToArray()))
                {
                    spans.Add(span);
                }
            }

            return Results.Ok();
        });
        await collector.StartAsync();
        var url = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Telemetry:OtlpEndpoint"] = url,
            ["Telemetry:OtlpProtocol"] = "http",
        });
        await silo.WaitReadyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants") { Content = JsonContent.Create(new { tenantId = "otlp-co", displayName = "OTLP Co" }) };
        request.Headers.Add("X-Api-Key", "ra_embedded_dev_admin_key_not_for_production");
        using (var response = await silo.Http.SendAsync(request))
        {
            Assert.True(response.IsSuccessStatusCode);
        }

        // The batch exporter sends every few seconds.
        OtlpSpan? server = null, grainCall = null;
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            var all = spans.ToList();
            server = all.FirstOrDefault(s => s.Name.Contains("/v1/tenants", StringComparison.Ordinal) && s.Kind == 2);
            grainCall = server is null ? null : all.FirstOrDefault(s => s.TraceId == server.TraceId && s.Name.Contains("ITenantGrain/RegisterAsync", StringComparison.Ordinal));
            if (grainCall is not null && IsAncestor(all, server!, grainCall))
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(server is not null, "no HTTP server span for POST /v1/tenants reached the collector: " + string.Join(", ", spans.Select(s => s.Name).Distinct().Take(20)));
        Assert.True(grainCall is not null, "no grain-call span in the same trace: " + string.Join(", ", spans.Where(s => s.TraceId == server!.TraceId).Select(s => s.Name)));
        Assert.True(IsAncestor(spans.ToList(), server!, grainCall!), "the grain call is not a descendant of the server span");
    }

    private static bool IsAncestor(List<OtlpSpan> all, OtlpSpan ancestor, OtlpSpan span)
    {
        var byId = all.Where(s => s.TraceId == span.TraceId).GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var current = span; current.ParentSpanId.Length > 0 && byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The fields of an OTLP span this test needs, read from ExportTraceServiceRequest protobuf by hand
    /// (resource_spans=1 → scope_spans=2 → spans=2; span: trace_id=1, span_id=2, parent_span_id=4, name=5, kind=6).</summary>
    private sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind)
    {
        public static IEnumerable<OtlpSpan> Parse(byte[] request)
        {
            foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes!))
            foreach (var scopeSpans in Fields(resourceSpans).Where(f => f.Number == 2).Select(f => f.Bytes!))
            foreach (var span in Fields(scopeSpans).Where(f => f.Number == 2).Select(f => f.Bytes!))
            {
                var fields = Fields(span).ToList();
                string Hex(int n) => fields.FirstOrDefault(f => f.Number == n).Bytes is { } b ? Convert.ToHexString(b) : "";
                var name = fields.FirstOrDefault(f => f.Number == 5).Bytes is { } nb ? System.Text.Encoding.UTF8.GetString(nb) : "";
                yield return new OtlpSpan(Hex(1), Hex(2), Hex(4), name, (int)fields.FirstOrDefault(f => f.Number == 6).Varint);
            }
        }

        private static IEnumerable<(int Number, byte[]? Bytes, ulong Varint)> Fields(byte[] message)
        {
            var i = 0;
            while (i < message.Length)
            {
                var key = ReadVarint(message, ref i);
                var number = (int)(key >> 3);
                switch ((int)(key & 7))
                {
                    case 0:
                        yield return (number, null, ReadVarint(message, ref i));
                        break;
                    case 1:
                        i += 8;
                        break;
                    case 2:
                        var length = (int)ReadVarint(message, ref i);
                        yield return (number, message[i..(i + length)], 0);
                        i += length;
                        break;
                    case 5:
                        i += 4;
                        break;
                    default:
                        throw new InvalidDataException($"unexpected wire type in field {number}");
                }
            }
        }

        private static ulong ReadVarint(byte[] buffer, ref int i)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = buffer[i++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
        }
    }
}
