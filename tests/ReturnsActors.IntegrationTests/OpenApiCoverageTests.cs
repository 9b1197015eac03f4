using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using ReturnsActors.Silo.Hosting;

namespace ReturnsActors.IntegrationTests;

/// <summary>Every /v1 endpoint the silo maps is in the OpenAPI document, and the document parses as OpenAPI 3.1.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class OpenApiCoverageTests(Infrastructure.EmbeddedApiSilo api)
{
    [Fact]
    public async Task EveryMappedV1Endpoint_IsDocumented_AndTheDocumentParsesWithoutErrors()
    {
        var mapped = MappedV1Endpoints();
        Assert.Contains("POST /v1/rmas/{rmaId}/approve", mapped);
        Assert.Contains("GET /v1/tasks/{queue}", mapped);

        var http = (await api.GetAsync()).Http;
        await using var stream = await http.GetStreamAsync("/openapi/v1.json");
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(stream, "json", new OpenApiReaderSettings());
        Assert.NotNull(document);
        Assert.Empty(diagnostic?.Errors ?? []);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic!.SpecificationVersion);

        var documented = document!.Paths
            .SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {Normalize(p.Key)}"))
            .ToHashSet();
        var undocumented = mapped.Where(e => !documented.Contains(e)).ToList();
        Assert.True(undocumented.Count == 0, "undocumented: " + string.Join(", ", undocumented));
    }

    /// <summary>The silo's own wiring, built but not started: the routes it would serve.</summary>
    private static List<string> MappedV1Endpoints()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddReturnsActors();
        var app = builder.Build();
        app.MapReturnsActors();
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        return endpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Distinct()
            .ToList();
    }

    /// <summary>Route templates and OpenAPI paths spell parameters differently ({version:int} vs {version}, trailing /).</summary>
    private static string Normalize(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:?]+)[^}]*\}", "{$1}").TrimEnd('/') is { Length: > 0 } p ? p : "/";
}
