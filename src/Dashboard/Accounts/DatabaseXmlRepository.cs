using System.Xml.Linq;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Accounts;

/// <summary>
/// The data-protection key ring in the <c>DataProtectionKeys</c> table, so every dashboard node (and the same node
/// after a restart) reads and writes one ring: a login cookie or an antiforgery token made by one is valid on all.
/// </summary>
internal sealed class DatabaseXmlRepository(IDbContextFactory<AlertsDbContext> factory) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = factory.CreateDbContext();
        return [.. db.DataProtectionKeys.OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = factory.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
