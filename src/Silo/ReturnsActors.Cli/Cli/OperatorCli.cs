using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Silo.Persistence;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Cli;

/// <summary>The operator's commands. Database work (migrate, verify) goes straight to PostgreSQL; tenant and key
/// work goes through the running cluster's HTTP API with the platform-admin key, so the same rules, audit and
/// idempotency apply as for any other caller. Exit codes: 0 done, 1 the check or the request failed, 2 usage.</summary>
internal static class OperatorCli
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: setting ReturnsActors:Postgres:ConnectionString)" };
        var url = new Option<string>("--url") { Description = "A silo's HTTP base URL", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RA_URL") ?? "http://127.0.0.1:5080" };
        var adminKey = new Option<string?>("--admin-key") { Description = "The platform-admin key (default: RA_ADMIN_API_KEY, then ReturnsActors:Bootstrap:AdminApiKey)" };

        var root = new RootCommand("ReturnsActors silo and operator commands. Without a command (or with 'run' / 'demo') the silo runs.");

        var migrate = new Command("migrate", "Apply the PostgreSQL schema migrations and exit") { postgres };
        migrate.SetAction((r, ct) => MigrateAsync(ConnectionString(r.GetValue(postgres), "migrate"), ct));
        root.Subcommands.Add(migrate);

        var tenantArg = new Argument<string>("tenant") { Description = "Tenant id" };
        var rmaArg = new Argument<string>("rma") { Description = "RMA id" };
        var verify = new Command("verify", "Recompute a return's audit chain from the event log; name the first altered event") { tenantArg, rmaArg, postgres };
        verify.SetAction((r, ct) => VerifyAsync(ConnectionString(r.GetValue(postgres), "verify"), r.GetValue(tenantArg)!, r.GetValue(rmaArg)!, ct));
        root.Subcommands.Add(verify);

        var maxLag = new Option<long?>("--max-lag") { Description = "Also fail when a subscriber has more events than this still to take" };
        var checkRestore = new Command("check-restore",
            "After a restore or a move to another PostgreSQL cluster: the log epochs, every return's chain verified, each subscriber's lag")
            { postgres, maxLag };
        checkRestore.SetAction((r, ct) => CheckRestoreAsync(ConnectionString(r.GetValue(postgres), "check-restore"), r.GetValue(maxLag), ct));
        root.Subcommands.Add(checkRestore);

        var id = new Option<string>("--id") { Description = "Tenant id (lower-case letters, digits, dashes)", Required = true };
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var tenant = new Command("tenant", "Tenants");
        var createTenant = new Command("create", "Register a tenant") { id, name, url, adminKey };
        createTenant.SetAction((r, ct) => SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Post, "/v1/tenants",
            new { tenantId = r.GetValue(id), displayName = r.GetValue(name) }, ct));
        tenant.Subcommands.Add(createTenant);
        root.Subcommands.Add(tenant);

        var keyTenant = new Option<string>("--tenant") { Description = "Tenant id", Required = true };
        var keyName = new Option<string>("--name") { Description = "What the key is for", Required = true };
        var roles = new Option<string[]>("--role") { Description = "A role: admin, customer_service, warehouse, finance, partner, viewer (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var keyId = new Option<string>("--key-id") { Description = "The key's id", Required = true };
        var key = new Command("key", "Tenant API keys");
        var issue = new Command("issue", "Issue a key; it is printed once") { keyTenant, keyName, roles, url, adminKey };
        issue.SetAction((r, ct) => SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Post, $"/v1/tenants/{r.GetValue(keyTenant)}/api-keys",
            new { name = r.GetValue(keyName), roles = r.GetValue(roles) }, ct));
        var list = new Command("list", "List a tenant's keys (no secrets)") { keyTenant, url, adminKey };
        list.SetAction((r, ct) => SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Get, $"/v1/tenants/{r.GetValue(keyTenant)}/api-keys", null, ct));
        var revoke = new Command("revoke", "Revoke a key") { keyTenant, keyId, url, adminKey };
        revoke.SetAction((r, ct) => SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Delete, $"/v1/tenants/{r.GetValue(keyTenant)}/api-keys/{r.GetValue(keyId)}", null, ct));
        key.Subcommands.Add(issue);
        key.Subcommands.Add(list);
        key.Subcommands.Add(revoke);
        root.Subcommands.Add(key);

        var dlTenant = new Option<string>("--tenant") { Description = "Tenant id", Required = true };
        var subscription = new Option<string?>("--subscription") { Description = "A webhook subscription id (whs_...)" };
        var channel = new Option<string?>("--channel") { Description = "A connector channel: email or erp" };
        var status = new Option<string?>("--status") { Description = "dead, queued or replayed" };
        var letter = new Option<string?>("--id") { Description = "One dead letter (a webhook's event id); without it every dead one" };
        var deliveries = new Command("deliveries", "Dead-lettered outbound deliveries of a tenant: a webhook subscription's or a connector channel's");
        var listDead = new Command("list", "List dead letters") { dlTenant, subscription, channel, status, url, adminKey };
        listDead.SetAction((r, ct) => DeadLettersPath(r.GetValue(subscription), r.GetValue(channel)) is { } path
            ? SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Get,
                r.GetValue(status) is { } s ? $"{path}?status={Uri.EscapeDataString(s)}" : path, null, ct, r.GetValue(dlTenant))
            : Task.FromResult(2));
        var replayDead = new Command("replay", "Queue one dead letter (--id) or all of them for redelivery") { dlTenant, subscription, channel, letter, url, adminKey };
        replayDead.SetAction((r, ct) => DeadLettersPath(r.GetValue(subscription), r.GetValue(channel)) is { } path
            ? SendAsync(r.GetValue(url)!, AdminKey(r.GetValue(adminKey)), HttpMethod.Post,
                r.GetValue(letter) is { } one ? $"{path}/{Uri.EscapeDataString(one)}/replay" : $"{path}/replay", null, ct, r.GetValue(dlTenant))
            : Task.FromResult(2));
        deliveries.Subcommands.Add(listDead);
        deliveries.Subcommands.Add(replayDead);
        root.Subcommands.Add(deliveries);

        var healthUrl = new Argument<string>("url") { Description = "URL to GET", DefaultValueFactory = _ => "http://127.0.0.1:8080/health/live" };
        var health = new Command("healthcheck", "Exit 0 when the URL answers 2xx (container health checks; the image has no curl)") { healthUrl };
        health.SetAction((r, ct) => HealthCheckAsync(r.GetValue(healthUrl)!, ct));
        root.Subcommands.Add(health);

        root.Subcommands.Add(AdvisoryCli.Command(postgres));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"ReturnsActors: {error.Message}");
            }

            Console.Error.WriteLine("ReturnsActors: see --help.");
            return 2;
        }

        try
        {
            // A SettingsException reaches SiloProgram, which prints its one line and exits 2; anything else is one line and 1.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is not SettingsException)
        {
            Console.Error.WriteLine($"ReturnsActors: {parsed.CommandResult.Command.Name} failed: {ex.Message}");
            return 1;
        }
    }

    internal static string ConnectionString(string? given, string command)
    {
        var value = given ?? Configuration()[$"{ReturnsActorsSettings.Section}:Postgres:ConnectionString"];
        return string.IsNullOrWhiteSpace(value)
            ? throw new SettingsException($"Invalid setting {ReturnsActorsSettings.Section}:Postgres:ConnectionString: is required by '{command}' (or pass --postgres).")
            : value;
    }

    private static string AdminKey(string? given) =>
        given ?? Environment.GetEnvironmentVariable("RA_ADMIN_API_KEY") ?? Configuration()[$"{ReturnsActorsSettings.Section}:Bootstrap:AdminApiKey"]
        ?? throw new SettingsException("No platform-admin key: pass --admin-key or set RA_ADMIN_API_KEY.");

    /// <summary>appsettings.json, ReturnsActors__ environment variables and secret files, as the silo reads them.</summary>
    internal static IConfiguration Configuration() =>
        new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables()
            .AddReturnsSecretFiles().Build();

    private static async Task<int> MigrateAsync(string connectionString, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var loggerFactory = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
        var applied = await new SchemaMigrator(dataSource, loggerFactory.CreateLogger<SchemaMigrator>()).MigrateAsync(ct);
        Console.WriteLine($"schema up to date: {applied.Count} migration(s) applied, {SchemaMigrator.Migrations.Count} known");
        return 0;
    }

    private static async Task<int> VerifyAsync(string connectionString, string tenant, string rma, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var events = await new PostgresRmaEventLog(dataSource).ReadAsync($"{tenant}/{rma}", ct);
        if (events.Count == 0)
        {
            Console.Error.WriteLine($"ReturnsActors: no events for {tenant}/{rma}.");
            return 2;
        }

        var result = AuditChain.Verify(events);
        Console.WriteLine(result.Valid
            ? $"intact: {events.Count} events, seq {result.CheckedFromSeq}..{result.CheckedThroughSeq}"
            : $"BROKEN at seq {result.FirstBrokenSeq}: its hash or its link to the previous event does not match ({events.Count} events)");
        return result.Valid ? 0 : 1;
    }

    /// <summary>Fails (1) when a chain is broken, when the database runs on another cluster than its current log epoch names (no silo
    /// or <c>migrate</c> has run on it since the restore, so subscribers would skip what is appended now), or when a subscriber lags more
    /// than <paramref name="maxLag"/>.</summary>
    private static async Task<int> CheckRestoreAsync(string connectionString, long? maxLag, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var check = new RestoreCheck(dataSource);
        var ok = true;
        var (here, epochs) = await check.EpochsAsync(ct);
        foreach (var e in epochs)
        {
            Console.WriteLine($"epoch {e.Epoch}: cluster {e.SystemIdentifier} since {e.StartedAt:u} ({e.Reason})");
        }

        if (epochs.Count == 0 || epochs[^1].SystemIdentifier != here)
        {
            Console.WriteLine($"NOT REBASED: this is cluster {here}; run 'migrate' (or start a silo) before anything is appended");
            ok = false;
        }

        var log = new PostgresRmaEventLog(dataSource);
        var returns = await check.ReturnsAsync(ct);
        var broken = 0;
        foreach (var key in returns)
        {
            var result = AuditChain.Verify(await log.ReadAsync(key, ct));
            if (!result.Valid)
            {
                broken++;
                Console.WriteLine($"BROKEN {key} at seq {result.FirstBrokenSeq}");
            }
        }

        Console.WriteLine($"chains: {returns.Count - broken} of {returns.Count} returns intact");
        ok &= broken == 0;
        foreach (var lag in await check.LagsAsync(ct))
        {
            var over = lag.Lag > maxLag;
            Console.WriteLine($"{(over ? "LAGGING " : "")}{lag.Kind} {(lag.TenantId.Length > 0 ? lag.TenantId + " " : "")}{lag.Name}: checkpoint {lag.Checkpoint}, {lag.Lag} event(s) behind");
            ok &= !over;
        }

        return ok ? 0 : 1;
    }

    /// <summary>The dead letters of exactly one of a webhook subscription or a connector channel; null (usage printed) otherwise.</summary>
    private static string? DeadLettersPath(string? subscription, string? channel)
    {
        if ((subscription is null) == (channel is null))
        {
            Console.Error.WriteLine("ReturnsActors: name either --subscription or --channel.");
            return null;
        }

        return subscription is not null
            ? $"/v1/webhook-subscriptions/{Uri.EscapeDataString(subscription)}/dead-letters"
            : $"/v1/connectors/{Uri.EscapeDataString(channel!)}/dead-letters";
    }

    private static async Task<int> SendAsync(string baseUrl, string adminKey, HttpMethod method, string path, object? body, CancellationToken ct,
        string? tenant = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", adminKey);
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-Id", tenant);
        }

        if (method != HttpMethod.Get)
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        }

        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length > 0)
        {
            try
            {
                text = JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement, new JsonSerializerOptions { WriteIndented = true });
            }
            catch (JsonException)
            {
                // Not JSON: print as it came.
            }
        }

        (response.IsSuccessStatusCode ? Console.Out : Console.Error).WriteLine($"{(int)response.StatusCode} {text}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private static async Task<int> HealthCheckAsync(string url, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url, ct);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
