using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Observability;

/// <summary>The last line of defence for "no secret in logs": every log entry, whatever wrote it (our code, Orleans, Npgsql,
/// ASP.NET Core), passes through <see cref="Redact"/> before any provider (console, OTLP) sees it. It masks the secret settings'
/// values and anything shaped like a secret: a tenant key's secret part, a <c>whsec_</c> secret, a connection string password.</summary>
internal sealed partial class SecretRedactor
{
    public const string Mask = "***";

    private readonly string[] _secrets;

    public SecretRedactor(IEnumerable<string?> secrets) =>
        _secrets = secrets.Where(s => s is { Length: >= 6 }).Select(s => s!).Distinct().OrderByDescending(s => s.Length).ToArray();

    public static SecretRedactor From(ReturnsActorsSettings s) => new(
    [
        s.Bootstrap.AdminApiKey, s.Jwt.SigningKey, s.Connectors.Erp.ApiKey,
        s.Http.Https.CertificatePassword, s.Silo.Tls.CertificatePassword, s.DataProtection.CertificatePassword,
        PostgresPassword(s.Postgres.ConnectionString), RedisPassword(s.Redis.ConnectionString),
    ]);

    public bool Leaks(string text) => !ReferenceEquals(Redact(text), text);

    /// <summary>The text with every secret masked; the same instance when there was nothing to mask.</summary>
    public string Redact(string text)
    {
        var result = text;
        foreach (var secret in _secrets)
        {
            if (result.Contains(secret, StringComparison.Ordinal))
            {
                result = result.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return SecretShapes().IsMatch(result) ? SecretShapes().Replace(result, m => m.Groups["keep"].Value + Mask) : result;
    }

    [GeneratedRegex(@"(?<keep>ra_live_[0-9a-f]{20}_)[A-Za-z0-9_\-]{8,}|(?<keep>whsec_)[A-Za-z0-9+/=]{8,}|(?<keep>\b(?:password|pwd)\s*=\s*)(?!\*\*\*)[^;,\s""']+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretShapes();

    private static string? PostgresPassword(string? connectionString)
    {
        try
        {
            return string.IsNullOrEmpty(connectionString) ? null : new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? RedisPassword(string? connectionString)
    {
        try
        {
            return string.IsNullOrEmpty(connectionString) ? null : StackExchange.Redis.ConfigurationOptions.Parse(connectionString).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

internal static class SecretRedactionHosting
{
    /// <summary>Every logger the host hands out redacts: the logger factory itself is wrapped, so each provider (and the
    /// provider-specific log levels of the <c>Logging</c> section) works as before.</summary>
    public static void AddSecretRedaction(this IServiceCollection services, SecretRedactor redactor) =>
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(
            new LoggerFactory(
                sp.GetServices<ILoggerProvider>(),
                sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                sp.GetService<IOptions<LoggerFactoryOptions>>(),
                sp.GetService<IExternalScopeProvider>()),
            redactor)));
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner, SecretRedactor redactor) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redactor);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner, SecretRedactor redactor) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            var redacted = redactor.Redact(message);
            var safeException = exception is not null && redactor.Leaks(exception.ToString()) ? new RedactedException(exception, redactor) : exception;
            var values = state as IReadOnlyList<KeyValuePair<string, object?>>;
            var valuesLeak = values is not null && values.Any(v => v.Value is string text && redactor.Leaks(text));
            if (ReferenceEquals(redacted, message) && ReferenceEquals(safeException, exception) && !valuesLeak)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var safeValues = (values ?? []).Select(v => v.Value is string text ? new KeyValuePair<string, object?>(v.Key, redactor.Redact(text)) : v).ToList();
            inner.Log(logLevel, eventId, new RedactedState(redacted, safeValues), safeException, static (s, _) => s.Message);
        }
    }

    private sealed class RedactedState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>Stands in for an exception whose text holds a secret: same type name and stack, secret masked.</summary>
    private sealed class RedactedException(Exception original, SecretRedactor redactor) : Exception(redactor.Redact(original.Message))
    {
        private readonly string _text = redactor.Redact(original.ToString());

        public override string? StackTrace => null;

        public override string ToString() => _text;
    }
}
