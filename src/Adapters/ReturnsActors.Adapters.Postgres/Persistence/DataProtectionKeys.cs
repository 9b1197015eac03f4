using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace ReturnsActors.Silo.Persistence;

/// <summary>Where the Data Protection key ring lives (it encrypts partner secrets at rest): in memory for Embedded, in
/// <c>data_protection_keys</c> (V0030) for Cluster so that every silo reads the same keys. One application name for all silos, so a
/// secret one silo stored can be read by another. With a certificate the key XML is encrypted with it before it is stored (every silo
/// needs the same certificate; retired ones still decrypt the keys they protected).</summary>
internal static class DataProtectionKeys
{
    public const string ApplicationName = "ReturnsActors";

    public static IServiceCollection AddReturnsDataProtection(this IServiceCollection services, bool durable,
        X509Certificate2? certificate = null, IReadOnlyList<X509Certificate2>? previous = null)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (certificate is not null)
        {
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate([certificate, .. previous ?? []]);
        }

        if (durable)
        {
            services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, dataSource) => o.XmlRepository = new PostgresXmlRepository(dataSource));
        }
        else
        {
            services.AddOptions<KeyManagementOptions>().Configure(o => o.XmlRepository = new InMemoryXmlRepository());
        }

        return services;
    }
}

/// <summary>Embedded: keys for this process only (secrets set before a restart cannot be read after it, like the rest of Embedded).</summary>
internal sealed class InMemoryXmlRepository : IXmlRepository
{
    private readonly Lock _gate = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate)
        {
            return _elements.Select(e => new XElement(e)).ToList();
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_gate)
        {
            _elements.Add(new XElement(element));
        }
    }
}

/// <summary>Cluster: the key ring in PostgreSQL. The XML is stored as Data Protection hands it over: encrypted when
/// <c>DataProtection:CertificateFile</c> is set, plain otherwise.</summary>
internal sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY created_at, friendly_name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand(
            "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING");
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
