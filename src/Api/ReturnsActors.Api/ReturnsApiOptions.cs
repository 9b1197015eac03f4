namespace ReturnsActors.Api;

/// <summary>What the <c>/v1</c> API needs from the silo's settings.</summary>
public sealed class ReturnsApiOptions
{
    /// <summary>The platform-admin key from <c>Bootstrap:AdminApiKey</c>.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>JWT bearer for people; disabled when <see cref="JwtOptions.SigningKey"/> is empty.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Token bucket per tenant (or per caller without a tenant): refill per second.</summary>
    public int RateLimitPermitsPerSecond { get; set; } = 50;

    /// <summary>Token bucket size: how many requests may arrive at once.</summary>
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>How long a loaded API key is trusted before it is read again; bounds how late a revocation
    /// seen by another silo takes effect (the silo that revokes forgets the key at once).</summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an <c>Idempotency-Key</c> and its response are kept.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Symmetric-key (HS256) JWT validation for people signing in through the team's identity provider.</summary>
public sealed class JwtOptions
{
    public string? Issuer { get; set; }
    public string? Audience { get; set; }

    /// <summary>The HMAC key as text (its UTF-8 bytes); at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(SigningKey);
}
