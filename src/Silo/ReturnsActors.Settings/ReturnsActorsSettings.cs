using System.Net;

namespace ReturnsActors.Silo.Settings;

/// <summary>How a silo runs: with no external service, or as a durable cluster member.</summary>
public enum HostingProfile
{
    /// <summary>Localhost clustering, in-memory state and reminders. Nothing is durable.</summary>
    Embedded = 0,

    /// <summary>Redis membership, PostgreSQL grain state and reminders.</summary>
    Cluster = 1,
}

/// <summary>Every setting of a silo, bound from the <c>ReturnsActors</c> section (environment: <c>ReturnsActors__...</c>).</summary>
public sealed class ReturnsActorsSettings
{
    public const string Section = "ReturnsActors";

    public HostingProfile Profile { get; set; } = HostingProfile.Embedded;
    public string ClusterId { get; set; } = "returnsactors-dev";
    public string ServiceId { get; set; } = "returnsactors";
    public SiloSettings Silo { get; set; } = new();
    public HttpSettings Http { get; set; } = new();
    public PostgresSettings Postgres { get; set; } = new();
    public RedisSettings Redis { get; set; } = new();
    public MembershipSettings Membership { get; set; } = new();
    public BootstrapSettings Bootstrap { get; set; } = new();
    public ShutdownSettings Shutdown { get; set; } = new();
    public TelemetrySettings Telemetry { get; set; } = new();
    public DashboardSettings Dashboard { get; set; } = new();
    public JwtSettings Jwt { get; set; } = new();
    public RateLimitSettings RateLimits { get; set; } = new();
    public ApiKeySettings ApiKeys { get; set; } = new();
    public IdempotencySettings Idempotency { get; set; } = new();
    public IngestSettings Ingest { get; set; } = new();
    public WebhookSettings Webhooks { get; set; } = new();
    public NotificationSettings Notifications { get; set; } = new();
    public ConnectorSettings Connectors { get; set; } = new();
    public AdvisorySettings Advisory { get; set; } = new();
    public DataProtectionSettings DataProtection { get; set; } = new();

    /// <summary>A directory of secret files (Docker and Kubernetes secrets): a file named like the environment variable
    /// (<c>ReturnsActors__Bootstrap__AdminApiKey</c>) sets that setting to its content. Missing: ignored. Empty: off.</summary>
    public string SecretsDirectory { get; set; } = SecretFiles.DefaultDirectory;
}

/// <summary>A certificate with its private key: a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>), or PEM (<c>CertificateFile</c> with the
/// certificate, <c>CertificateKeyFile</c> with the key, or both in one file). The password may come from a secret file.</summary>
public class CertificateSettings
{
    public string? CertificateFile { get; set; }
    public string? CertificateKeyFile { get; set; }
    public string? CertificatePassword { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificateFile);
}

/// <summary>The Data Protection key ring (it encrypts partner and webhook secrets) is encrypted at rest with this certificate when
/// set. Every silo needs the same certificate; <c>PreviousCertificateFiles</c> still decrypt keys protected before a rotation.</summary>
public sealed class DataProtectionSettings : CertificateSettings
{
    /// <summary>PKCS#12 or PEM files (with their keys) of retired certificates, each with <c>CertificatePassword</c>.</summary>
    public List<string> PreviousCertificateFiles { get; set; } = [];
}

/// <summary>Silo-to-silo (and gateway) TLS with mutual authentication. Unset: plain TCP.</summary>
public sealed class SiloTlsSettings : CertificateSettings
{
    /// <summary>A PEM or DER CA certificate peers must chain to. Unset: a peer must present the same certificate as this silo.</summary>
    public string? CaCertificateFile { get; set; }
}

/// <summary>What the plain HTTP port does once HTTPS is on.</summary>
public enum PlainHttpMode
{
    /// <summary>Serves the API as before (behind a TLS-terminating load balancer).</summary>
    Serve = 0,

    /// <summary>Answers 308 to the HTTPS port, except <c>/health/*</c> (probes stay on plain HTTP).</summary>
    Redirect = 1,

    /// <summary>No plain HTTP listener at all.</summary>
    Off = 2,
}

/// <summary>HTTPS on the silo's own Kestrel. Unset <c>Port</c>: no HTTPS endpoint.</summary>
public sealed class HttpsSettings : CertificateSettings
{
    public int? Port { get; set; }

    public PlainHttpMode PlainHttp { get; set; } = PlainHttpMode.Serve;
}

/// <summary><c>Strict-Transport-Security</c> on HTTPS answers outside the Development environment.</summary>
public sealed class HstsSettings
{
    public int MaxAgeDays { get; set; } = 365;
    public bool IncludeSubDomains { get; set; }
    public bool Preload { get; set; }
}

/// <summary>Where the advisory models are stored and how often a silo looks for a newly activated version.</summary>
public sealed class AdvisorySettings
{
    /// <summary>Directory of the model artifacts (<c>{version}.zip</c>, <c>{version}.json</c>, <c>active</c>). Embedded without it:
    /// the models are trained in memory on first use. Cluster: PostgreSQL holds them; when set, a copy is also written here.</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>How often a silo checks the store for another active version or a new evaluation.</summary>
    public int PollSeconds { get; set; } = 10;
}

public sealed class SiloSettings
{
    /// <summary>Name shown in the dashboard and logs; defaults to the machine name and silo port.</summary>
    public string? Name { get; set; }
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The IP other silos use to reach this one (Cluster profile). Defaults to 127.0.0.1.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Listen on every interface rather than only the advertised address (containers).</summary>
    public bool ListenOnAnyAddress { get; set; }

    public SiloTlsSettings Tls { get; set; } = new();
}

public sealed class HttpSettings
{
    public int Port { get; set; } = 5080;
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public HttpsSettings Https { get; set; } = new();
    public HstsSettings Hsts { get; set; } = new();
}

public sealed class PostgresSettings
{
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending schema migrations when the silo starts.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

public sealed class RedisSettings
{
    public string? ConnectionString { get; set; }
}

/// <summary>Overrides of Orleans' membership timings; unset values keep the Orleans defaults.
/// Development and tests shorten them so a killed silo is voted out in seconds, not minutes.</summary>
public sealed class MembershipSettings
{
    public TimeSpan? ProbeTimeout { get; set; }
    public int? NumMissedProbesLimit { get; set; }
    public int? NumVotesForDeathDeclaration { get; set; }
    public TimeSpan? DeathVoteExpirationTimeout { get; set; }
    public TimeSpan? IAmAliveTablePublishTimeout { get; set; }
    public TimeSpan? TableRefreshTimeout { get; set; }

    /// <summary>How long a starting silo tries to join (reach every active silo) before it gives up and stops.</summary>
    public TimeSpan? MaxJoinAttemptTime { get; set; }
}

public sealed class BootstrapSettings
{
    /// <summary>The first platform-admin API key. Required in the Cluster profile.</summary>
    public string? AdminApiKey { get; set; }
}

public sealed class ShutdownSettings
{
    /// <summary>Seconds between readiness turning false and the HTTP server closing, so a load balancer can drain.</summary>
    public int DrainSeconds { get; set; }
}

public sealed class TelemetrySettings
{
    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4317 for gRPC, http://127.0.0.1:4318 for HTTP); empty disables the OTLP exporter.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http</c> (OTLP/HTTP protobuf: signals go to /v1/traces, /v1/metrics, /v1/logs).</summary>
    public string OtlpProtocol { get; set; } = "grpc";
}

public sealed class DashboardSettings
{
    public bool Enabled { get; set; } = true;
}

/// <summary>JWT bearer tokens for people (HS256). Unset: bearer tokens are not accepted.</summary>
public sealed class JwtSettings
{
    public string? Issuer { get; set; }
    public string? Audience { get; set; }

    /// <summary>The HMAC key; its UTF-8 bytes must be at least 32 bytes (256 bits).</summary>
    public string? SigningKey { get; set; }
}

/// <summary>A token bucket per tenant on <c>/v1</c>.</summary>
public sealed class RateLimitSettings
{
    public int PermitsPerSecond { get; set; } = 50;
    public int Burst { get; set; } = 100;
}

public sealed class ApiKeySettings
{
    /// <summary>How long a silo trusts a loaded tenant key; a revocation reaches other silos within this.</summary>
    public int CacheSeconds { get; set; } = 5;
}

public sealed class IdempotencySettings
{
    /// <summary>How long an Idempotency-Key and its response are kept.</summary>
    public int RetentionHours { get; set; } = 24;
}

/// <summary>Bulk ingest and partner webhooks (<c>POST /v1/events</c>, <c>POST /v1/inbound/{partner}</c>).</summary>
public sealed class IngestSettings
{
    /// <summary>Most events in one batch (more: 413).</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Ingest requests one silo works on at once (more: 429 with Retry-After).</summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Returns of one batch applied in parallel.</summary>
    public int Parallelism { get; set; } = 16;

    /// <summary>How far a partner's signed timestamp may be from now, in seconds.</summary>
    public int SignatureToleranceSeconds { get; set; } = 300;
}

/// <summary>Outbound connectors to partner systems.</summary>
public sealed class ConnectorSettings
{
    public ErpSettings Erp { get; set; } = new();

    public SupplierClaimSettings SupplierClaims { get; set; } = new();

    public AdvisoryConnectorSettings Advisory { get; set; } = new();
}

/// <summary>Automatic recommendations: each new return and each exception gets one on its audit trail (applied when the policy in
/// force allows). Nothing leaves the cluster.</summary>
public sealed class AdvisoryConnectorSettings
{
    public bool Enabled { get; set; } = true;
}

/// <summary>The resilience pipeline of an outbound HTTP connector (timeout, quick retries with jitter, circuit breaker).</summary>
public class HttpConnectorSettings
{
    /// <summary>How long one attempt may take.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Quick retries inside one send (exponential, with jitter); after them the connector retries durably.</summary>
    public int Retries { get; set; } = 3;

    /// <summary>The first quick-retry delay.</summary>
    public int RetryDelayMilliseconds { get; set; } = 2000;
}

/// <summary>ERP credit-memo / refund posting on <c>settlement.requested</c>; off while <c>Url</c> is empty.</summary>
public sealed class ErpSettings : HttpConnectorSettings
{
    /// <summary>The absolute http(s) URL settlement requests are POSTed to; empty: off.</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as <c>X-Api-Key</c> when set.</summary>
    public string ApiKey { get; set; } = "";
}

/// <summary>Vendor-claim submission to suppliers registered with a claims endpoint.</summary>
public sealed class SupplierClaimSettings : HttpConnectorSettings
{
    /// <summary>Attempts (each with its quick retries) before a submission fails and an exceptions task is created.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>The delay after the first failed attempt; doubles per attempt, with jitter.</summary>
    public int RetryBaseMilliseconds { get; set; } = 60_000;

    /// <summary>The longest delay between two attempts (also the cap on Retry-After).</summary>
    public int RetryMaxSeconds { get; set; } = 3600;
}

/// <summary>Customer notifications by email at each milestone; off while <c>Smtp:Host</c> is empty.</summary>
public sealed class NotificationSettings
{
    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>Development only: when set, every mail goes here instead of to the customer of the return's order.</summary>
    public string Recipient { get; set; } = "";
}

/// <summary>The SMTP server notifications go through.</summary>
public sealed class SmtpSettings
{
    /// <summary>Empty: notifications are off.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 25;

    /// <summary>The sender address.</summary>
    public string From { get; set; } = "";

    /// <summary>Require STARTTLS.</summary>
    public bool UseTls { get; set; }
}

/// <summary>Outbound webhooks (<c>/v1/webhook-subscriptions</c>).</summary>
public sealed class WebhookSettings
{
    /// <summary>Deliver to loopback addresses: tests and local development only (Embedded, or the Development environment).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Hours the previous secret keeps signing after a rotation.</summary>
    public int RotationOverlapHours { get; set; } = 24;

    /// <summary>The first retry delay; it doubles per failure up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryBaseMilliseconds { get; set; } = 5000;

    /// <summary>The longest delay between two attempts (also the cap on Retry-After).</summary>
    public int RetryMaxSeconds { get; set; } = 3600;

    /// <summary>How long one POST may take.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>How often the dispatcher looks for new events.</summary>
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Attempts of one event (webhooks and connectors) before it is dead-lettered and its subscription or channel moves on.
    /// With the default timing, 30 attempts span 10 to 20 hours (15 on average).</summary>
    public int MaxAttempts { get; set; } = 30;

    /// <summary>A subscription whose deliveries have failed for this long without one success is disabled.</summary>
    public int DisableAfterHours { get; set; } = 120;

    /// <summary>How long delivery-log rows and replayed dead letters are kept (Cluster; Embedded keeps the last 1000 attempts per subscription).</summary>
    public int RetentionHours { get; set; } = 720;

    /// <summary>How often one silo prunes what is older than <see cref="RetentionHours"/>.</summary>
    public int PruneIntervalSeconds { get; set; } = 600;

    /// <summary>Subscriptions and connector (tenant, channel) pairs one silo delivers at the same time; each is still delivered in order.</summary>
    public int Parallelism { get; set; } = 8;
}

/// <summary>A setting that stops the silo from starting; its message names the setting.</summary>
public sealed class SettingsException(string message) : Exception(message);

internal static class SettingsLoader
{
    public const string EmbeddedAdminApiKey = "ra_embedded_dev_admin_key_not_for_production";

    /// <summary>Binds and validates the settings; throws <see cref="SettingsException"/> naming the first bad one.</summary>
    public static ReturnsActorsSettings Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(ReturnsActorsSettings.Section);
        ReturnsActorsSettings settings;
        try
        {
            settings = section.Get<ReturnsActorsSettings>() ?? new ReturnsActorsSettings();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key and the value it could not convert.
            throw new SettingsException(ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}");
        }

        Validate(settings, configuration[HostDefaults.EnvironmentKey]);
        return settings;
    }

    private static void Validate(ReturnsActorsSettings s, string? environment)
    {
        const string P = ReturnsActorsSettings.Section;
        if (!Enum.IsDefined(s.Profile))
        {
            Fail($"{P}:Profile", "must be Embedded or Cluster");
        }

        Require(!string.IsNullOrWhiteSpace(s.ClusterId), $"{P}:ClusterId", "must not be empty");
        Require(!string.IsNullOrWhiteSpace(s.ServiceId), $"{P}:ServiceId", "must not be empty");
        RequirePort(s.Silo.SiloPort, $"{P}:Silo:SiloPort");
        RequirePort(s.Silo.GatewayPort, $"{P}:Silo:GatewayPort");
        RequirePort(s.Http.Port, $"{P}:Http:Port");
        Require(s.Silo.SiloPort != s.Silo.GatewayPort, $"{P}:Silo:GatewayPort", "must differ from Silo:SiloPort");
        Require(IPAddress.TryParse(s.Http.BindAddress, out _) || s.Http.BindAddress == "localhost",
            $"{P}:Http:BindAddress", $"'{s.Http.BindAddress}' is not an IP address");
        Require(s.Silo.AdvertisedAddress is null || IPAddress.TryParse(s.Silo.AdvertisedAddress, out _),
            $"{P}:Silo:AdvertisedAddress", $"'{s.Silo.AdvertisedAddress}' is not an IP address");
        Require(s.Http.MaxRequestBodyBytes is >= 1024 and <= 100 * 1024 * 1024, $"{P}:Http:MaxRequestBodyBytes", "must be between 1 KiB and 100 MiB");
        Require(s.Shutdown.DrainSeconds is >= 0 and <= 60, $"{P}:Shutdown:DrainSeconds", "must be between 0 and 60");
        Require(string.IsNullOrEmpty(s.Telemetry.OtlpEndpoint) || Uri.TryCreate(s.Telemetry.OtlpEndpoint, UriKind.Absolute, out _),
            $"{P}:Telemetry:OtlpEndpoint", "must be an absolute URI");
        Require(s.Telemetry.OtlpProtocol is "grpc" or "http", $"{P}:Telemetry:OtlpProtocol", "must be grpc or http");

        if (s.Profile == HostingProfile.Cluster)
        {
            Require(!string.IsNullOrWhiteSpace(s.Postgres.ConnectionString), $"{P}:Postgres:ConnectionString", "is required in the Cluster profile");
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(s.Postgres.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                Fail($"{P}:Postgres:ConnectionString", $"is not a valid PostgreSQL connection string ({ex.Message})");
            }

            Require(!string.IsNullOrWhiteSpace(s.Redis.ConnectionString), $"{P}:Redis:ConnectionString", "is required in the Cluster profile");
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(s.Redis.ConnectionString!);
            }
            catch (ArgumentException ex)
            {
                Fail($"{P}:Redis:ConnectionString", $"is not a valid Redis connection string ({ex.Message})");
            }

            Require(!string.IsNullOrWhiteSpace(s.Bootstrap.AdminApiKey), $"{P}:Bootstrap:AdminApiKey", "is required in the Cluster profile");
        }

        if (!string.IsNullOrEmpty(s.Bootstrap.AdminApiKey))
        {
            Require(s.Bootstrap.AdminApiKey.Length >= 24, $"{P}:Bootstrap:AdminApiKey", "must be at least 24 characters");
            Require(s.Profile == HostingProfile.Embedded || s.Bootstrap.AdminApiKey != EmbeddedAdminApiKey,
                $"{P}:Bootstrap:AdminApiKey", "must not be the published Embedded development key");
        }
        else
        {
            s.Bootstrap.AdminApiKey = EmbeddedAdminApiKey;
        }

        ValidateMembership(s.Membership, $"{P}:Membership");
        ValidateTls(s, $"{P}");
        ValidateJwt(s.Jwt, $"{P}:Jwt");
        Require(s.RateLimits.PermitsPerSecond is >= 1 and <= 1_000_000, $"{P}:RateLimits:PermitsPerSecond", "must be between 1 and 1000000");
        Require(s.RateLimits.Burst >= 1 && s.RateLimits.Burst >= s.RateLimits.PermitsPerSecond && s.RateLimits.Burst <= 1_000_000,
            $"{P}:RateLimits:Burst", "must be at least 1 and at least RateLimits:PermitsPerSecond (and at most 1000000)");
        Require(s.ApiKeys.CacheSeconds is >= 0 and <= 300, $"{P}:ApiKeys:CacheSeconds", "must be between 0 and 300");
        Require(s.Idempotency.RetentionHours is >= 1 and <= 24 * 30, $"{P}:Idempotency:RetentionHours", "must be between 1 and 720");
        Require(s.Ingest.MaxBatchEvents is >= 1 and <= 100_000, $"{P}:Ingest:MaxBatchEvents", "must be between 1 and 100000");
        Require(s.Ingest.MaxConcurrentRequests is >= 1 and <= 10_000, $"{P}:Ingest:MaxConcurrentRequests", "must be between 1 and 10000");
        Require(s.Ingest.Parallelism is >= 1 and <= 1024, $"{P}:Ingest:Parallelism", "must be between 1 and 1024");
        Require(s.Ingest.SignatureToleranceSeconds is >= 1 and <= 3600, $"{P}:Ingest:SignatureToleranceSeconds", "must be between 1 and 3600");
        Require(!s.Webhooks.AllowLoopback || s.Profile == HostingProfile.Embedded || string.Equals(environment, Environments.Development, StringComparison.OrdinalIgnoreCase),
            $"{P}:Webhooks:AllowLoopback", "is for tests and local development only: the Embedded profile or the Development environment");
        Require(s.Webhooks.RotationOverlapHours is >= 1 and <= 24 * 7, $"{P}:Webhooks:RotationOverlapHours", "must be between 1 and 168");
        Require(s.Webhooks.RetryBaseMilliseconds is >= 10 and <= 3_600_000, $"{P}:Webhooks:RetryBaseMilliseconds", "must be between 10 and 3600000");
        Require(s.Webhooks.RetryMaxSeconds is >= 1 and <= 86_400 && s.Webhooks.RetryMaxSeconds * 1000L >= s.Webhooks.RetryBaseMilliseconds,
            $"{P}:Webhooks:RetryMaxSeconds", "must be between 1 and 86400 and not below Webhooks:RetryBaseMilliseconds");
        Require(s.Webhooks.TimeoutSeconds is >= 1 and <= 60, $"{P}:Webhooks:TimeoutSeconds", "must be between 1 and 60");
        Require(s.Webhooks.PollMilliseconds is >= 50 and <= 60_000, $"{P}:Webhooks:PollMilliseconds", "must be between 50 and 60000");
        Require(s.Webhooks.MaxAttempts is >= 1 and <= 1000, $"{P}:Webhooks:MaxAttempts", "must be between 1 and 1000");
        Require(s.Webhooks.DisableAfterHours is >= 1 and <= 24 * 365, $"{P}:Webhooks:DisableAfterHours", "must be between 1 and 8760");
        Require(s.Webhooks.RetentionHours is >= 1 and <= 24 * 3650, $"{P}:Webhooks:RetentionHours", "must be between 1 and 87600");
        Require(s.Webhooks.PruneIntervalSeconds is >= 1 and <= 86_400, $"{P}:Webhooks:PruneIntervalSeconds", "must be between 1 and 86400");
        Require(s.Webhooks.Parallelism is >= 1 and <= 64, $"{P}:Webhooks:Parallelism", "must be between 1 and 64");
        if (!string.IsNullOrWhiteSpace(s.Notifications.Smtp.Host))
        {
            Require(s.Notifications.Smtp.Port is >= 1 and <= 65535, $"{P}:Notifications:Smtp:Port", "is not a TCP port (1-65535)");
            Require(IsEmailAddress(s.Notifications.Smtp.From), $"{P}:Notifications:Smtp:From",
                "must be an email address when Notifications:Smtp:Host is set");
            Require(s.Notifications.Recipient.Length == 0 || IsEmailAddress(s.Notifications.Recipient), $"{P}:Notifications:Recipient",
                "must be an email address or empty");
        }

        Require(s.Advisory.PollSeconds is >= 1 and <= 3600, $"{P}:Advisory:PollSeconds", "must be between 1 and 3600");
        Require(string.IsNullOrWhiteSpace(s.Advisory.ModelDirectory) || s.Advisory.ModelDirectory.IndexOfAny(Path.GetInvalidPathChars()) < 0,
            $"{P}:Advisory:ModelDirectory", "must be a directory path");
        if (!string.IsNullOrWhiteSpace(s.Connectors.Erp.Url))
        {
            Require(Uri.TryCreate(s.Connectors.Erp.Url, UriKind.Absolute, out var erp) && (erp.Scheme == Uri.UriSchemeHttps || erp.Scheme == Uri.UriSchemeHttp),
                $"{P}:Connectors:Erp:Url", "must be an absolute http or https URL");
            ValidateHttpConnector(s.Connectors.Erp, $"{P}:Connectors:Erp");
        }

        var claims = s.Connectors.SupplierClaims;
        ValidateHttpConnector(claims, $"{P}:Connectors:SupplierClaims");
        Require(claims.MaxAttempts is >= 1 and <= 1000, $"{P}:Connectors:SupplierClaims:MaxAttempts", "must be between 1 and 1000");
        Require(claims.RetryBaseMilliseconds is >= 10 and <= 3_600_000, $"{P}:Connectors:SupplierClaims:RetryBaseMilliseconds", "must be between 10 and 3600000");
        Require(claims.RetryMaxSeconds is >= 1 and <= 86_400 && claims.RetryMaxSeconds * 1000L >= claims.RetryBaseMilliseconds,
            $"{P}:Connectors:SupplierClaims:RetryMaxSeconds", "must be between 1 and 86400 and not below Connectors:SupplierClaims:RetryBaseMilliseconds");
    }

    private static void ValidateHttpConnector(HttpConnectorSettings c, string prefix)
    {
        Require(c.TimeoutSeconds is >= 1 and <= 120, $"{prefix}:TimeoutSeconds", "must be between 1 and 120");
        Require(c.Retries is >= 0 and <= 10, $"{prefix}:Retries", "must be between 0 and 10");
        Require(c.RetryDelayMilliseconds is >= 10 and <= 60_000, $"{prefix}:RetryDelayMilliseconds", "must be between 10 and 60000");
    }

    private static void ValidateTls(ReturnsActorsSettings s, string prefix)
    {
        var https = s.Http.Https;
        if (https.Port is { } port)
        {
            RequirePort(port, $"{prefix}:Http:Https:Port");
            Require(port != s.Http.Port, $"{prefix}:Http:Https:Port", "must differ from Http:Port");
            Require(https.IsConfigured, $"{prefix}:Http:Https:CertificateFile", "is required when Http:Https:Port is set");
        }
        else
        {
            Require(https.PlainHttp == PlainHttpMode.Serve, $"{prefix}:Http:Https:PlainHttp", "needs Http:Https:Port (there is no HTTPS endpoint to send clients to)");
        }

        Require(Enum.IsDefined(https.PlainHttp), $"{prefix}:Http:Https:PlainHttp", "must be Serve, Redirect or Off");
        Require(s.Http.Hsts.MaxAgeDays is >= 0 and <= 3650, $"{prefix}:Http:Hsts:MaxAgeDays", "must be between 0 and 3650");
        Require(!s.Http.Hsts.Preload || (s.Http.Hsts.MaxAgeDays >= 365 && s.Http.Hsts.IncludeSubDomains), $"{prefix}:Http:Hsts:Preload",
            "needs Http:Hsts:MaxAgeDays of at least 365 and Http:Hsts:IncludeSubDomains (the preload list's rules)");
        Require(string.IsNullOrEmpty(s.Silo.Tls.CaCertificateFile) || s.Silo.Tls.IsConfigured, $"{prefix}:Silo:Tls:CertificateFile",
            "is required when Silo:Tls:CaCertificateFile is set");
        Require(s.DataProtection.PreviousCertificateFiles.Count == 0 || s.DataProtection.IsConfigured, $"{prefix}:DataProtection:CertificateFile",
            "is required when DataProtection:PreviousCertificateFiles is set");
    }

    private static void ValidateJwt(JwtSettings jwt, string prefix)
    {
        if (string.IsNullOrEmpty(jwt.SigningKey))
        {
            Require(string.IsNullOrEmpty(jwt.Issuer) && string.IsNullOrEmpty(jwt.Audience), $"{prefix}:SigningKey",
                "is required when Jwt:Issuer or Jwt:Audience is set");
            return;
        }

        Require(System.Text.Encoding.UTF8.GetByteCount(jwt.SigningKey) >= 32, $"{prefix}:SigningKey", "must be at least 32 bytes");
        Require(!string.IsNullOrWhiteSpace(jwt.Issuer), $"{prefix}:Issuer", "is required when Jwt:SigningKey is set");
        Require(!string.IsNullOrWhiteSpace(jwt.Audience), $"{prefix}:Audience", "is required when Jwt:SigningKey is set");
    }

    private static void ValidateMembership(MembershipSettings m, string prefix)
    {
        RequirePositive(m.ProbeTimeout, $"{prefix}:ProbeTimeout");
        RequirePositive(m.DeathVoteExpirationTimeout, $"{prefix}:DeathVoteExpirationTimeout");
        RequirePositive(m.IAmAliveTablePublishTimeout, $"{prefix}:IAmAliveTablePublishTimeout");
        RequirePositive(m.TableRefreshTimeout, $"{prefix}:TableRefreshTimeout");
        RequirePositive(m.MaxJoinAttemptTime, $"{prefix}:MaxJoinAttemptTime");
        Require(m.NumMissedProbesLimit is null or >= 1, $"{prefix}:NumMissedProbesLimit", "must be at least 1");
        Require(m.NumVotesForDeathDeclaration is null or >= 1, $"{prefix}:NumVotesForDeathDeclaration", "must be at least 1");
    }

    private static void RequirePositive(TimeSpan? value, string key) =>
        Require(value is null || value > TimeSpan.Zero, key, "must be a positive duration (hh:mm:ss)");

    private static void RequirePort(int port, string key) =>
        Require(port is > 0 and < 65536, key, $"{port} is not a TCP port (1-65535)");

    private static bool IsEmailAddress(string value) =>
        MimeKit.MailboxAddress.TryParse(value, out var address) && address.Address.Contains('@', StringComparison.Ordinal) && !address.Address.EndsWith('@');

    private static void Require(bool condition, string key, string problem)
    {
        if (!condition)
        {
            Fail(key, problem);
        }
    }

    private static void Fail(string key, string problem) => throw new SettingsException($"Invalid setting {key}: {problem}.");
}
