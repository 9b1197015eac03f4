using System.Net;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>Asserting a response's status with its body in the failure message (tests import it with <c>using static</c>).</summary>
internal static class ApiExpectations
{
    /// <summary>The response, when its status is <paramref name="expected"/> (or <paramref name="alternative"/>); fails with the body otherwise.</summary>
    public static async Task<HttpResponseMessage> Expect(HttpStatusCode expected, Task<HttpResponseMessage> call, HttpStatusCode? alternative = null)
    {
        var response = await call;
        if (response.StatusCode != expected && response.StatusCode != alternative)
        {
            Assert.Fail($"expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    /// <summary>Fails with the body unless the response is a 2xx (or exactly <paramref name="expected"/>).</summary>
    public static async Task Ok(Task<HttpResponseMessage> call, HttpStatusCode? expected = null)
    {
        var response = await call;
        var ok = expected is null ? response.IsSuccessStatusCode : response.StatusCode == expected;
        Assert.True(ok, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
