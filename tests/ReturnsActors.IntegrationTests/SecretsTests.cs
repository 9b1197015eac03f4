using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Observability;

namespace ReturnsActors.IntegrationTests;

/// <summary>Secrets come from files (a key-per-file directory, or <c>&lt;Key&gt;_FILE</c>) as well as settings, and none of them,
/// nor a secret made at run time (tenant key, partner secret, whsec_), reaches the silo's log.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class SecretsTests : IAsyncLifetime, IDisposable
{
    private const string AdminKey = "ra_admin_key_from_a_secret_file_0123456789";
    private const string PostgresPassword = "pg-password-from-a-file-5f1c";
    private const string JwtKey = "jwt-signing-key-from-a-file-0123456789-abcdef";
    private const string ErpApiKey = "erp-api-key-setting-9b2e77";
    private const string PfxPassword = "pfx-password-setting-c0ffee";

    private readonly TestCertificates _files = new();
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_secretfiles");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task SettingsFromSecretFiles_AreUsed_AndNoSecretAppearsInTheLogOfAStartRequestsAndAStop()
    {
        var secrets = Directory.CreateDirectory(Path.Combine(_files.Folder, "run-secrets")).FullName;
        File.WriteAllText(Path.Combine(secrets, "ReturnsActors__Bootstrap__AdminApiKey"), AdminKey + "\n");
        File.WriteAllText(Path.Combine(secrets, "unrelated_program_secret"), "not ours");
        var connectionString = new NpgsqlConnectionStringBuilder(_database) { Password = PostgresPassword }.ConnectionString;
        using var ca = TestCertificates.CreateCa("ReturnsActors secrets CA");
        using var certificate = TestCertificates.Issue(ca, "silo.returnsactors.test", clientAuth: true);
        var pfx = _files.WritePfx(certificate, "silo", PfxPassword);

        var settings = SiloProcess.ClusterSettings("", $"secrets-{Guid.NewGuid():N}", "");
        settings.Remove("Bootstrap:AdminApiKey");
        settings.Remove("Postgres:ConnectionString");
        settings["SecretsDirectory"] = secrets;
        settings["Postgres:ConnectionString_FILE"] = _files.WriteText("postgres", connectionString + "\n");
        settings["Jwt:Issuer"] = EmbeddedApiSilo.JwtIssuer;
        settings["Jwt:Audience"] = EmbeddedApiSilo.JwtAudience;
        settings["Jwt:SigningKey_FILE"] = _files.WriteText("jwt", JwtKey);
        settings["Connectors:Erp:Url"] = "https://erp.example/credit-memos";
        settings["Connectors:Erp:ApiKey"] = ErpApiKey;
        settings["Http:Https:Port"] = TestEnvironment.FreeTcpPort().ToString();
        foreach (var section in new[] { "Http:Https", "Silo:Tls", "DataProtection" })
        {
            settings[$"{section}:CertificateFile"] = pfx;
            settings[$"{section}:CertificatePassword"] = PfxPassword;
        }

        var verbose = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Orleans"] = "Information",
            ["Logging__LogLevel__Orleans.Runtime.SiloOptionsLogger"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        };
        await using var silo = SiloProcess.Start(settings, environment: verbose, outputLines: 1_000_000);
        await silo.WaitReadyAsync();

        // The admin key, the connection string (with its database) and the JWT key work: they came from the files.
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(AdminKey, tenant);
        var (_, tenantKey) = await silo.Http.CreateKeyAsync(AdminKey, tenant, "admin");
        using (var byJwt = await silo.Http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}",
            bearer: EmbeddedApiSilo.MintJwt(tenant, ["admin"], signingKey: JwtKey)))
        {
            Assert.Equal(HttpStatusCode.OK, byJwt.StatusCode);
        }

        using var http = silo.TenantClient(tenant, tenantKey);
        using (var partner = await http.PutAsJsonAsync("/v1/inbound/easypost/secret", new { secret = PartnerAdapterTests.Secret }))
        {
            Assert.Equal(HttpStatusCode.NoContent, partner.StatusCode);
        }

        string whsec;
        using (var hook = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url = "https://hooks.example.com/returns", eventTypes = new[] { "*" } }))
        {
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
            whsec = (await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
            Assert.StartsWith("whsec_", whsec);
        }

        var wrongKey = tenantKey[..^4] + "zzzz";
        using (await silo.Http.SendAsync(HttpMethod.Get, "/v1/rmas", wrongKey))
        using (await silo.Http.SendAsync(HttpMethod.Get, "/v1/rmas", AdminKey[..^2]))
        using (await silo.Http.SendAsync(HttpMethod.Get, "/v1/rmas", bearer: EmbeddedApiSilo.MintJwt(tenant, ["admin"], signingKey: JwtKey[..^1] + "X")))
        using (await silo.Http.SendAsync(HttpMethod.Post, "/v1/rmas", tenantKey, new { orderId = "missing", lines = Array.Empty<object>() }))
        using (await http.PostAsync("/v1/inbound/easypost", new StringContent("{\"object\":\"Event\"}")))
        {
        }

        silo.Terminate();
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not stop");
        var output = silo.Output;
        Assert.Contains("Orleans", output);
        foreach (var secret in new[] { AdminKey, AdminKey[..^2], PostgresPassword, JwtKey, ErpApiKey, PfxPassword, PartnerAdapterTests.Secret,
            ApiRequests.SecretOf(tenantKey), ApiRequests.SecretOf(wrongKey), whsec["whsec_".Length..] })
        {
            Assert.False(output.Contains(secret, StringComparison.Ordinal), $"the log shows the secret {secret[..4]}...");
        }

        Assert.DoesNotContain("not ours", output);
    }

    [Fact]
    public async Task ASettingFromAFileThatIsMissing_StopsTheSilo_WithOneLineNamingIt()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["Bootstrap:AdminApiKey_FILE"] = Path.Combine(_files.Folder, "absent") });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the silo kept running");
        Assert.Equal(2, silo.ExitCode);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ReturnsActors:Bootstrap:AdminApiKey_FILE", line);
    }

    [Fact]
    public void Redactor_MasksConfiguredSecrets_AndSecretShapedText_KeepingWhatIdentifiesThem()
    {
        var redactor = new SecretRedactor(["configured-secret-0123", null, "short"]);
        var keyId = new string('a', 20);

        Assert.Equal("key ***", redactor.Redact("key configured-secret-0123"));
        Assert.Equal($"presented ra_live_{keyId}_***", redactor.Redact($"presented ra_live_{keyId}_AbCdEf0123456789-_xyzXYZ0123456789abcdefghi"));
        Assert.Equal("Host=db;Username=u;Password=***;Database=d", redactor.Redact("Host=db;Username=u;Password=hunter2-x;Database=d"));
        Assert.Equal("signing with whsec_***", redactor.Redact("signing with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        const string clean = "tenant acme, return R-1, key id 0123";
        Assert.Same(clean, redactor.Redact(clean));
    }

    [Fact]
    public void RedactingLogger_MasksMessages_StructuredValues_AndExceptions()
    {
        var sink = new CapturingProvider();
        using var factory = new RedactingLoggerFactory(LoggerFactory.Create(l => l.AddProvider(sink)), new SecretRedactor(["pg-password-0123"]));
        var logger = factory.CreateLogger("test");

        logger.LogWarning("Connecting with {ConnectionString}", "Host=db;Password=pg-password-0123");
        logger.LogError(new InvalidOperationException("failed for Password=pg-password-0123"), "Start failed");

        Assert.Equal(2, sink.Entries.Count);
        Assert.All(sink.Entries, e => Assert.DoesNotContain("pg-password-0123", e));
        Assert.Contains("Password=***", sink.Entries[0]);
        Assert.Contains(nameof(InvalidOperationException), sink.Entries[1]);
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public List<string> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(List<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IReadOnlyList<KeyValuePair<string, object?>> list ? string.Join(",", list.Select(v => $"{v.Key}={v.Value}")) : "";
                entries.Add($"{formatter(state, exception)} | {values} | {exception}");
            }
        }
    }
}
