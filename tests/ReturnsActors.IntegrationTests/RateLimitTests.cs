using System.Net;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
public sealed class RateLimitTests
{
    [Fact]
    public async Task TenantOverItsBucket_Gets429WithRetryAfter_WhileAnotherTenantIsServed()
    {
        var settings = EmbeddedApiSilo.Settings();
        settings["RateLimits:PermitsPerSecond"] = "1";
        settings["RateLimits:Burst"] = "2";
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();
        var tenantA = ApiRequests.NewTenantId();
        var tenantB = ApiRequests.NewTenantId();
        var tokenA = EmbeddedApiSilo.MintJwt(tenantA, ["viewer"]);
        var tokenB = EmbeddedApiSilo.MintJwt(tenantB, ["viewer"]);

        // The bucket holds 2 and refills 1 a second: a tight loop empties it long before 30 requests.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var response = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenantA}", bearer: tokenA);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // served: the tenant is simply not registered
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {retryAfter}");
        }

        using var other = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenantB}", bearer: tokenB);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
