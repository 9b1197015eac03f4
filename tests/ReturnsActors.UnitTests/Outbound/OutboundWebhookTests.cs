using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using ReturnsActors.Adapters.Outbound;
using StandardWebhooks;

namespace ReturnsActors.UnitTests.Outbound;

/// <summary>Outbound webhook building blocks: signatures checked by an independent implementation (the StandardWebhooks package),
/// and the connect-time SSRF guard against real sockets on loopback.</summary>
public sealed class OutboundWebhookTests
{
    private const string Body = """{"type":"return.authorized","rmaId":"RMA-1","seq":3}""";

    [Fact]
    public void Signature_VerifiesWithTheStandardWebhooksPackage()
    {
        var secret = StandardWebhookSigner.NewSecret();
        var headers = StandardWebhookSigner.Sign("msg_2xTfU6wKQ1", DateTimeOffset.UtcNow, Body, [secret]);

        new StandardWebhook(secret).Verify(Body, ToHeaders(headers));
    }

    [Fact]
    public void DuringRotation_EitherSecretVerifies_AndAnUnrelatedOneDoesNot()
    {
        var (current, previous) = (StandardWebhookSigner.NewSecret(), StandardWebhookSigner.NewSecret());
        var signed = StandardWebhookSigner.Sign("msg_rotate", DateTimeOffset.UtcNow, Body, [current, previous]);
        var signatures = signed[StandardWebhookSigner.SignatureHeader].Split(' ');
        Assert.Equal(2, signatures.Length);

        // StandardWebhooks 1.1.2 compares the last entry of a multi-signature header against the whole header (a bug in its loop),
        // so each signature is checked on its own: the newest with the current secret, the other with the previous one.
        new StandardWebhook(current).Verify(Body, ToHeaders(signed, signatures[0]));
        new StandardWebhook(previous).Verify(Body, ToHeaders(signed, signatures[1]));
        new StandardWebhook(current).Verify(Body, ToHeaders(signed));
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(StandardWebhookSigner.NewSecret()).Verify(Body, ToHeaders(signed)));
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(previous).Verify(Body, ToHeaders(signed, signatures[0])));
    }

    [Fact]
    public void ATamperedBodyOrAnOldTimestamp_IsRejectedByTheReceiver()
    {
        var secret = StandardWebhookSigner.NewSecret();
        var fresh = ToHeaders(StandardWebhookSigner.Sign("msg_1", DateTimeOffset.UtcNow, Body, [secret]));
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(secret).Verify(Body.Replace("RMA-1", "RMA-2"), fresh));

        var old = ToHeaders(StandardWebhookSigner.Sign("msg_2", DateTimeOffset.UtcNow.AddHours(-1), Body, [secret]));
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(secret).Verify(Body, old));
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("172.20.0.5")]
    [InlineData("192.168.1.10")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("224.0.0.1")]
    public void InternalAddresses_AreRefused(string address) =>
        Assert.True(SsrfGuard.IsForbidden(IPAddress.Parse(address), allowLoopback: false));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    public void PublicAddresses_AreAllowed(string address) =>
        Assert.False(SsrfGuard.IsForbidden(IPAddress.Parse(address), allowLoopback: false));

    [Fact]
    public async Task ALoopbackTarget_IsRefusedAtConnectTime_UnlessLoopbackIsAllowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeOneAsync(listener);

        using (var guarded = new HttpClient(SsrfGuard.CreateHandler(allowLoopback: false)))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://localhost:{port}/hook"));
            Assert.Contains("Refused", refused.ToString());
        }

        using var allowed = new HttpClient(SsrfGuard.CreateHandler(allowLoopback: true));
        using var response = await allowed.GetAsync($"http://127.0.0.1:{port}/hook");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("http://169.254.169.254/latest/meta-data/", response.Headers.Location?.OriginalString);
        await served;
    }

    /// <summary>Answers one request with a redirect to the cloud metadata address, which the client must not follow.</summary>
    private static async Task ServeOneAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        await using var stream = client.GetStream();
        var buffer = new byte[4096];
        _ = await stream.ReadAsync(buffer);
        var response = "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
        await stream.WriteAsync(response);
    }

    private static HeaderDictionary ToHeaders(IReadOnlyDictionary<string, string> headers, string? signature = null)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        if (signature is not null)
        {
            dictionary[StandardWebhookSigner.SignatureHeader] = signature;
        }

        return dictionary;
    }
}
