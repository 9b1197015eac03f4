using System.Net;
using Orleans.Configuration;
using Orleans.Dashboard;
using ReturnsActors.Grains;
using ReturnsActors.Silo.Settings;
using StackExchange.Redis;

namespace ReturnsActors.Silo.Hosting;

internal static class OrleansHosting
{
    private const string NpgsqlInvariant = "Npgsql";

    /// <summary>Configures the silo for the chosen profile: providers, endpoints and membership timings.</summary>
    public static WebApplicationBuilder AddReturnsOrleans(this WebApplicationBuilder builder, ReturnsActorsSettings settings, SiloCertificates certificates)
    {
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = settings.Silo.Name ?? $"{Environment.MachineName}-{settings.Silo.SiloPort}");

            // State is JSON without CLR type names, so renaming a class never strands a row.
            silo.UseSystemTextJsonGrainStorageSerializer();

            if (settings.Profile == HostingProfile.Embedded)
            {
                silo.UseLocalhostClustering(settings.Silo.SiloPort, settings.Silo.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
                silo.AddMemoryGrainStorage(StorageNames.Returns);
                silo.AddMemoryGrainStorageAsDefault();
                silo.UseInMemoryReminderService();
            }
            else
            {
                var advertised = IPAddress.Parse(settings.Silo.AdvertisedAddress ?? "127.0.0.1");
                silo.ConfigureEndpoints(advertised, settings.Silo.SiloPort, settings.Silo.GatewayPort, settings.Silo.ListenOnAnyAddress);
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(settings.Redis.ConnectionString!));
                silo.AddAdoNetGrainStorage(StorageNames.Returns, o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = settings.Postgres.ConnectionString;
                });
                silo.AddAdoNetGrainStorageAsDefault(o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = settings.Postgres.ConnectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = settings.Postgres.ConnectionString;
                });
            }

            silo.UseReturnsTls(certificates);
            silo.Configure<ClusterMembershipOptions>(o => ApplyMembership(o, settings.Membership));
            silo.AddActivityPropagation();
            if (settings.Dashboard.Enabled)
            {
                silo.AddDashboard();
            }
        });

        return builder;
    }

    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return options;
    }

    private static void ApplyMembership(ClusterMembershipOptions o, MembershipSettings m)
    {
        if (m.ProbeTimeout is { } probe) o.ProbeTimeout = probe;
        if (m.NumMissedProbesLimit is { } missed) o.NumMissedProbesLimit = missed;
        if (m.NumVotesForDeathDeclaration is { } votes) o.NumVotesForDeathDeclaration = votes;
        if (m.DeathVoteExpirationTimeout is { } expiry) o.DeathVoteExpirationTimeout = expiry;
        if (m.IAmAliveTablePublishTimeout is { } alive) o.IAmAliveTablePublishTimeout = alive;
        if (m.TableRefreshTimeout is { } refresh) o.TableRefreshTimeout = refresh;
        if (m.MaxJoinAttemptTime is { } join) o.MaxJoinAttemptTime = join;
    }
}
