using System.Net;
using System.Net.Sockets;

namespace ReturnsActors.Adapters.Outbound;

/// <summary>Refuses outbound connections to addresses a tenant must never reach through us: private, loopback, link-local, unique-local,
/// carrier-grade NAT, multicast, unspecified and IPv4-mapped IPv6. The check runs at connect time on the resolved addresses (so DNS
/// rebinding does not get around it) and the socket connects to the address that was checked. Loopback can be allowed for tests and
/// local development only.</summary>
public static class SsrfGuard
{
    /// <summary>A handler that never follows redirects and connects only to permitted addresses.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowLoopback) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowLoopback, cancellationToken),
    };

    /// <summary>Whether <paramref name="address"/> is refused.</summary>
    public static bool IsForbidden(IPAddress address, bool allowLoopback)
    {
        if (IPAddress.IsLoopback(address))
        {
            return !allowLoopback || address.IsIPv4MappedToIPv6;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                return true;
            }

            var bytes = address.GetAddressBytes();
            return address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (bytes[0] & 0xFE) == 0xFC // fc00::/7 unique local
                || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8); // 2001:db8::/32 documentation
        }

        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] is >= 64 and <= 127, // 100.64.0.0/10 carrier-grade NAT
            169 => b[1] == 254, // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,
            192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2), // private, IETF protocol assignments, TEST-NET-1
            198 => b[1] is 18 or 19, // benchmarking
            >= 224 => true, // multicast, reserved, broadcast
            _ => false,
        };
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowLoopback, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException($"'{endpoint.Host}' does not resolve.");
        }

        // One forbidden answer refuses the host: a name that resolves to both public and private addresses is not trusted.
        if (addresses.FirstOrDefault(a => IsForbidden(a, allowLoopback)) is { } forbidden)
        {
            throw new HttpRequestException($"Refused to connect to '{endpoint.Host}': it resolves to {forbidden}, a private, loopback, link-local or otherwise internal address.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
