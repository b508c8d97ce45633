using System.Xml;

namespace Alerts.Notifier.Crawler;

/// <summary>The &lt;loc&gt; entries of a sitemap (pages) or of a sitemap index (more sitemaps). Pure; no DTD, no external entities.</summary>
public static class SitemapReader
{
    public sealed record Entries(IReadOnlyList<string> Pages, IReadOnlyList<string> Sitemaps);

    public static Entries Read(string xml)
    {
        var pages = new List<string>();
        var sitemaps = new List<string>();
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            var inIndex = false;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.LocalName == "sitemapindex") inIndex = true;
                else if (reader.LocalName == "loc")
                {
                    var loc = reader.ReadElementContentAsString().Trim();
                    if (loc.Length > 0) (inIndex ? sitemaps : pages).Add(loc);
                }
            }
        }
        catch (XmlException)
        {
            // What was read before the error is kept: a cut sitemap still names its first pages.
        }
        return new Entries(pages, sitemaps);
    }
}
