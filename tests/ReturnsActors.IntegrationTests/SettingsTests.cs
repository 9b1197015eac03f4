using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Profile", "Clustr", "ReturnsActors:Profile")]
    [InlineData("Http:Port", "99999", "ReturnsActors:Http:Port")]
    [InlineData("Silo:AdvertisedAddress", "not-an-ip", "ReturnsActors:Silo:AdvertisedAddress")]
    [InlineData("Membership:ProbeTimeout", "-00:00:01", "ReturnsActors:Membership:ProbeTimeout")]
    [InlineData("Jwt:SigningKey", "too-short-for-hs256", "ReturnsActors:Jwt:SigningKey")]
    [InlineData("Jwt:Issuer", "https://id.example", "ReturnsActors:Jwt:SigningKey")]
    [InlineData("RateLimits:PermitsPerSecond", "0", "ReturnsActors:RateLimits:PermitsPerSecond")]
    [InlineData("Webhooks:RetryBaseMilliseconds", "1", "ReturnsActors:Webhooks:RetryBaseMilliseconds")]
    [InlineData("Advisory:PollSeconds", "0", "ReturnsActors:Advisory:PollSeconds")]
    [InlineData("Webhooks:RotationOverlapHours", "0", "ReturnsActors:Webhooks:RotationOverlapHours")]
    [InlineData("Webhooks:AllowLoopback", "maybe", "ReturnsActors:Webhooks:AllowLoopback")]
    public async Task BadSetting_StopsTheSilo_WithOneLineNamingIt(string key, string value, string named)
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string> { [key] = value });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the silo kept running with a bad setting");
        Assert.Equal(2, silo.ExitCode);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line);
    }

    [Theory]
    [InlineData("Notifications:Smtp:From", "not-an-address", "ReturnsActors:Notifications:Smtp:From")]
    [InlineData("Notifications:Smtp:Port", "0", "ReturnsActors:Notifications:Smtp:Port")]
    [InlineData("Notifications:Recipient", "not-an-address", "ReturnsActors:Notifications:Recipient")]
    [InlineData("Connectors:Erp:Url", "ftp://erp.example/credit-memos", "ReturnsActors:Connectors:Erp:Url")]
    [InlineData("Connectors:SupplierClaims:MaxAttempts", "0", "ReturnsActors:Connectors:SupplierClaims:MaxAttempts")]
    [InlineData("Connectors:SupplierClaims:RetryMaxSeconds", "30", "ReturnsActors:Connectors:SupplierClaims:RetryMaxSeconds")]
    public async Task BadConnectorSetting_StopsTheSilo_NamingIt(string key, string value, string named)
    {
        var settings = new Dictionary<string, string>
        {
            ["Notifications:Smtp:Host"] = "127.0.0.1",
            ["Notifications:Smtp:From"] = "returns@shop.example",
            ["Notifications:Recipient"] = "customer@example.org",
            [key] = value,
        };
        await using var silo = SiloProcess.Start(settings);

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the silo kept running with a bad setting");
        Assert.Equal(2, silo.ExitCode);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line);
    }

    [Fact]
    public async Task ClusterProfile_WithoutPostgres_StopsTheSilo_NamingTheConnectionString()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Profile"] = "Cluster",
            ["Redis:ConnectionString"] = TestEnvironment.Redis,
            ["Bootstrap:AdminApiKey"] = "ra_settings_test_admin_key_0123456789",
        });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("ReturnsActors:Postgres:ConnectionString", silo.Output);
    }
}
