using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>HTTPS on the silo's own Kestrel, over a real TLS connection with a certificate made for the test: only a client that
/// trusts the test CA gets through, HTTPS answers carry HSTS outside Development, and plain HTTP is redirected or not served.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class HttpsTests : IDisposable
{
    private const string Host = "silo.returnsactors.test";
    private static readonly Dictionary<string, string> Production = new() { ["DOTNET_ENVIRONMENT"] = "Production" };

    private readonly TestCertificates _files = new();
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _ca = TestCertificates.CreateCa("ReturnsActors test CA");

    public void Dispose()
    {
        _ca.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Https_WithAPfxFromSettings_ServesTheApiOverTls_WithHsts_AndRedirectsPlainHttp()
    {
        using var server = TestCertificates.Issue(_ca, Host);
        var pfx = _files.WritePfx(server, "server", "pfx-password-0123");
        var password = _files.WriteText("https-password", "pfx-password-0123\n");
        var httpsPort = TestEnvironment.FreeTcpPort();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Http:Https:Port"] = httpsPort.ToString(),
            ["Http:Https:CertificateFile"] = pfx,
            ["Http:Https:CertificatePassword_FILE"] = password,
            ["Http:Https:PlainHttp"] = "Redirect",
            ["Http:Hsts:MaxAgeDays"] = "180",
        }, environment: Production);
        await silo.WaitReadyAsync();

        using var https = TestCertificates.TrustingOnly(_ca);
        using (var ready = await https.GetAsync($"https://{Host}:{httpsPort}/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("max-age=15552000", Assert.Single(ready.Headers.GetValues("Strict-Transport-Security")));
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"https://{Host}:{httpsPort}/v1/rmas"))
        {
            request.Headers.Add("X-Api-Key", "ra_embedded_dev_admin_key_not_for_production");
            request.Headers.Add("X-Tenant-Id", "https-shop");
            using var rmas = await https.SendAsync(request);
            Assert.True(rmas.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{(int)rmas.StatusCode}");
        }

        // A client with the platform's trust store does not know the test CA: the certificate is really checked.
        using (var untrusting = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync($"https://{Host}:{httpsPort}/health/live"));
            Assert.IsType<AuthenticationException>(refused.InnerException);
        }

        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = silo.Http.BaseAddress };
        using (var redirected = await plain.GetAsync("/v1/rmas?limit=1"))
        {
            Assert.Equal(HttpStatusCode.PermanentRedirect, redirected.StatusCode);
            Assert.Equal($"https://127.0.0.1:{httpsPort}/v1/rmas?limit=1", redirected.Headers.Location?.ToString());
            Assert.False(redirected.Headers.Contains("Strict-Transport-Security"));
        }

        using var probe = await plain.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task Https_WithPemFiles_AndPlainHttpOff_RefusesPlainConnections()
    {
        using var server = TestCertificates.Issue(_ca, Host);
        var (certificate, key) = _files.WritePem(server, "server");
        var httpsPort = TestEnvironment.FreeTcpPort();
        var plainPort = TestEnvironment.FreeTcpPort();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Http:Https:Port"] = httpsPort.ToString(),
            ["Http:Https:CertificateFile"] = certificate,
            ["Http:Https:CertificateKeyFile"] = key,
            ["Http:Https:PlainHttp"] = "Off",
        }, httpPort: plainPort, environment: Production);

        using var https = TestCertificates.TrustingOnly(_ca);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        HttpStatusCode? status = null;
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && !silo.HasExited)
        {
            try
            {
                using var ready = await https.GetAsync($"https://{Host}:{httpsPort}/health/ready");
                status = ready.StatusCode;
                Assert.Equal("max-age=31536000", Assert.Single(ready.Headers.GetValues("Strict-Transport-Security")));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(250);
            }
        }

        Assert.True(status == HttpStatusCode.OK, $"HTTPS never answered ready.\n{silo.Output}");
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{plainPort}/health/live"));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task DevCertScript_MakesACaAndAServerCertificate_ThatTheSiloServesAndAClientTrustingTheCaAccepts()
    {
        var dir = Path.Combine(_files.Folder, "dev-tls");
        var (exitCode, stdout, stderr) = await TestEnvironment.RunProcessAsync("bash",
            [Path.Combine(TestEnvironment.RepositoryRoot, "scripts", "dev-cert.sh"), dir], new Dictionary<string, string> { ["RA_CERT_NAMES"] = Host });
        Assert.True(exitCode == 0, stdout + stderr);
        using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "ca.crt"));
        var httpsPort = TestEnvironment.FreeTcpPort();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Http:Https:Port"] = httpsPort.ToString(),
            ["Http:Https:CertificateFile"] = Path.Combine(dir, "server.pfx"),
            ["Http:Https:CertificatePassword_FILE"] = Path.Combine(dir, "pfx-password"),
        }, environment: Production);
        await silo.WaitReadyAsync();

        using var https = TestCertificates.TrustingOnly(ca);
        using var live = await https.GetAsync($"https://{Host}:{httpsPort}/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.True(live.Headers.Contains("Strict-Transport-Security"));
        // Plain HTTP still serves by default (PlainHttp: Serve), without HSTS.
        using var plain = await silo.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("missing", "ReturnsActors:Http:Https:CertificateFile", "does not exist")]
    [InlineData("wrong-password", "ReturnsActors:Http:Https:CertificateFile", "wrong password")]
    [InlineData("no-key", "ReturnsActors:Http:Https:CertificateFile", "private key")]
    public async Task Https_WithABadCertificate_StopsTheSilo_WithOneLineNamingTheSetting(string fault, string named, string says)
    {
        using var server = TestCertificates.Issue(_ca, Host);
        var file = fault switch
        {
            "missing" => Path.Combine(_files.Folder, "nowhere.pfx"),
            "wrong-password" => _files.WritePfx(server, "server", "the-right-password"),
            _ => _files.WriteText("public.crt", server.ExportCertificatePem()),
        };
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Http:Https:Port"] = TestEnvironment.FreeTcpPort().ToString(),
            ["Http:Https:CertificateFile"] = file,
            ["Http:Https:CertificatePassword"] = "a-wrong-password-4711",
        });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the silo kept running with a bad certificate");
        Assert.Equal(2, silo.ExitCode);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line);
        Assert.Contains(says, line);
        Assert.DoesNotContain("a-wrong-password-4711", line);
    }
}
