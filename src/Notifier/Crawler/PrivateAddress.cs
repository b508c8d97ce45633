using System.Net;
using System.Net.Sockets;

namespace Alerts.Notifier.Crawler;

/// <summary>
/// Addresses the crawler refuses unless <c>Alerts:Crawler:AllowPrivateTargets</c>: loopback, private, link-local,
/// shared (CGNAT), unspecified and multicast, so a page cannot point it at the server's own network. Pure.
/// </summary>
public static class PrivateAddress
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC; // fc00::/7, unique local
        }
        var v4 = address.GetAddressBytes();
        return v4[0] switch
        {
            0 or 10 or 127 => true,
            100 => v4[1] is >= 64 and <= 127,   // 100.64.0.0/10
            169 => v4[1] == 254,                // link-local, cloud metadata
            172 => v4[1] is >= 16 and <= 31,
            192 => v4[1] == 168 || (v4[1] == 0 && v4[2] == 0),
            >= 224 => true,                     // multicast and reserved
            _ => false,
        };
    }
}
