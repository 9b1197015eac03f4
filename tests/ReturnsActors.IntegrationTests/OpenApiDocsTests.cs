using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
public sealed partial class OpenApiDocsTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task OpenApiDocument_Is31_WithApiKeyAndBearerSchemes_AndProblemResponses()
    {
        var http = (await api.GetAsync()).Http;

        using var response = await http.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("http", schemes.GetProperty("Bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());

        var createKey = document.GetProperty("paths").GetProperty("/v1/tenants/{tenantId}/api-keys").GetProperty("post");
        Assert.Contains(createKey.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        foreach (var status in new[] { "401", "403", "404", "422", "429" })
        {
            Assert.True(createKey.GetProperty("responses").GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), status);
        }
    }

    [Fact]
    public async Task ReturnCommands_DescribeTheirRefusals_AndTheFirstRequestsCarryExamples()
    {
        var http = (await api.GetAsync()).Http;
        using var response = await http.GetAsync("/openapi/v1.json");
        var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var create = document.GetProperty("paths").GetProperty("/v1/rmas").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "201", "400", "401", "403", "409", "422", "429" })
        {
            Assert.True(create.TryGetProperty(status, out _), $"POST /v1/rmas does not describe {status}");
        }

        var approve = document.GetProperty("paths").GetProperty("/v1/rmas/{rmaId}/approve").GetProperty("post").GetProperty("responses");
        Assert.True(approve.TryGetProperty("409", out _));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var example = schemas.GetProperty("CreateRmaRequest").GetProperty("examples")[0];
        Assert.Equal("ORD-1001", example.GetProperty("orderId").GetString());
        Assert.True(schemas.GetProperty("OrderRequest").TryGetProperty("examples", out _));
    }

    [Fact]
    public async Task Docs_ServeTheScalarReference_FromTheSilo_WithNoCdn()
    {
        var http = (await api.GetAsync()).Http;

        using var page = await http.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, src => Assert.False(src.StartsWith("http", StringComparison.OrdinalIgnoreCase) || src.StartsWith("//"), src));
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"withDefaultFonts\":false", html);

        foreach (var script in scripts)
        {
            using var js = await http.GetAsync($"/docs/{script}");
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.Contains("javascript", js.Content.Headers.ContentType?.MediaType);
        }
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();
}
