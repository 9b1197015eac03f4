using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Every error is an RFC 9457 problem with no stack trace.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ProblemTests(EmbeddedApiSilo api)
{
    private const string Admin = EmbeddedApiSilo.AdminKey;

    [Fact]
    public async Task MalformedJson_Is400Problem_WithADetailThatSaysWhere()
    {
        var http = (await api.GetAsync()).Http;

        using var response = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin,
            content: new StringContent("{\"tenantId\": \"acme\", \"displayName\": }", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("JSON", detail);
        Assert.Contains("Path: $.displayName", detail);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413Problem()
    {
        var http = (await api.GetAsync()).Http;
        var big = JsonSerializer.Serialize(new { tenantId = "big", displayName = new string('x', 70_000) });

        using var response = await http.SendAsync(HttpMethod.Post, "/v1/tenants", Admin, content: new StringContent(big, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_WithAnIdempotencyKey_Is413Problem()
    {
        var http = (await api.GetAsync()).Http;
        var big = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { tenantId = "big", displayName = new string('x', 70_000) }));
        var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new("application/json");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants") { Content = content };
        request.Headers.Add("X-Api-Key", Admin);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task NoCredentials_Is401Problem_AndABadKeyToo()
    {
        var http = (await api.GetAsync()).Http;

        using var none = await http.SendAsync(HttpMethod.Get, "/v1/tenants/acme");
        using var bad = await http.SendAsync(HttpMethod.Get, "/v1/tenants/acme", "ra_live_not_a_key");

        await AssertProblemAsync(none, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(bad, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UnknownPath_Is404Problem_AndWrongMethod_Is405Problem()
    {
        var http = (await api.GetAsync()).Http;

        using var unknown = await http.SendAsync(HttpMethod.Get, "/v1/no-such-thing", Admin);
        using var wrongMethod = await http.SendAsync(HttpMethod.Put, "/v1/tenants/acme", Admin, new { });

        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        await AssertProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task AnOrderWithABadCustomerContactTierOrWarranty_Is422_NamingEachField()
    {
        var http = (await api.GetAsync()).Http;
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/orders/ORD-BAD-CONTACT")
        {
            Content = JsonContent.Create(new
            {
                channel = "web", deliveredAt = DateTimeOffset.UtcNow, currency = "EUR",
                customerEmail = "not an address", customerLanguage = "german!", customerTier = "diamond",
                lines = new[] { new { orderLineId = "1", sku = "S", category = "tools", quantity = 1, unitPrice = 1m, warrantyMonths = -1 } },
            }),
        };
        request.Headers.Add("X-Api-Key", Admin);
        request.Headers.Add("X-Tenant-Id", "demo");
        using var response = await http.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["customerEmail", "customerLanguage", "customerTier", "lines[0].warrantyMonths"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text); // no stack trace frames
        var problem = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }
}
