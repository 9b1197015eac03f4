using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Hosting;

/// <summary>The certificates the settings name, loaded once at start (a missing or unreadable file stops the silo with one line).</summary>
internal sealed record SiloCertificates(
    X509Certificate2? Https,
    X509Certificate2? Cluster,
    X509Certificate2? ClusterCa,
    X509Certificate2? DataProtection,
    IReadOnlyList<X509Certificate2> DataProtectionPrevious)
{
    public static SiloCertificates Load(ReturnsActorsSettings s)
    {
        const string P = ReturnsActorsSettings.Section;
        var dp = s.DataProtection;
        return new SiloCertificates(
            s.Http.Https.IsConfigured ? Certificates.Load(s.Http.Https, $"{P}:Http:Https") : null,
            s.Silo.Tls.IsConfigured ? Certificates.Load(s.Silo.Tls, $"{P}:Silo:Tls") : null,
            string.IsNullOrWhiteSpace(s.Silo.Tls.CaCertificateFile) ? null : Certificates.LoadPublic(s.Silo.Tls.CaCertificateFile, $"{P}:Silo:Tls:CaCertificateFile"),
            dp.IsConfigured ? Certificates.Load(dp, $"{P}:DataProtection") : null,
            dp.PreviousCertificateFiles.Select((f, i) => Certificates.Load(f, null, dp.CertificatePassword, $"{P}:DataProtection:PreviousCertificateFiles:{i}")).ToList());
    }
}

internal static class TransportSecurity
{
    /// <summary>Kestrel's endpoints: plain HTTP on <c>Http:Port</c> (unless <c>Http:Https:PlainHttp</c> is Off) and HTTPS on
    /// <c>Http:Https:Port</c> with the configured certificate.</summary>
    public static void ConfigureReturnsKestrel(this WebApplicationBuilder builder, ReturnsActorsSettings settings, SiloCertificates certificates)
    {
        var http = settings.Http;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = http.MaxRequestBodyBytes;
            void Listen(int port, Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure)
            {
                if (http.BindAddress == "localhost")
                {
                    k.ListenLocalhost(port, configure);
                }
                else
                {
                    k.Listen(IPAddress.Parse(http.BindAddress), port, configure);
                }
            }

            if (http.Https.PlainHttp != PlainHttpMode.Off)
            {
                Listen(http.Port, _ => { });
            }

            if (http.Https.Port is { } httpsPort)
            {
                Listen(httpsPort, l => l.UseHttps(certificates.Https!));
            }
        });

        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(http.Hsts.MaxAgeDays);
            o.IncludeSubDomains = http.Hsts.IncludeSubDomains;
            o.Preload = http.Hsts.Preload;
        });
        if (http.Https.Port is { } redirectPort)
        {
            builder.Services.AddHttpsRedirection(o =>
            {
                o.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
                o.HttpsPort = redirectPort;
            });
        }
    }

    /// <summary>HSTS on HTTPS answers outside Development; plain HTTP redirected to HTTPS when asked (probes under /health stay).</summary>
    public static void UseReturnsTransportSecurity(this WebApplication app, ReturnsActorsSettings settings)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        if (settings.Http.Https is { Port: not null, PlainHttp: PlainHttpMode.Redirect })
        {
            app.UseWhen(c => !c.Request.IsHttps && !c.Request.Path.StartsWithSegments("/health"), a => a.UseHttpsRedirection());
        }
    }

    /// <summary>Silo-to-silo and gateway connections over TLS with mutual authentication: each side presents the cluster certificate
    /// and accepts a peer whose certificate is the same one, or chains to <c>Silo:Tls:CaCertificateFile</c>.</summary>
    public static void UseReturnsTls(this ISiloBuilder silo, SiloCertificates certificates)
    {
        if (certificates.Cluster is not { } own)
        {
            return;
        }

        var ca = certificates.ClusterCa;
        silo.UseTls(own, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.CheckCertificateRevocation = false;
            // Silos reach each other by IP, so the name check of the platform validator does not apply; trust is the certificate itself.
            o.RemoteCertificateValidation = (peer, _, _) => IsClusterPeer(peer, own, ca);
        });
    }

    internal static bool IsClusterPeer(X509Certificate2? peer, X509Certificate2 own, X509Certificate2? ca)
    {
        if (peer is null || peer.NotAfter < DateTime.Now || peer.NotBefore > DateTime.Now)
        {
            return false;
        }

        if (ca is null)
        {
            return CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), own.GetCertHash(HashAlgorithmName.SHA256));
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }
}
