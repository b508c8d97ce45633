using System.Text;
using System.Text.Json;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.TestSupport;
using CsCheck;
using Xunit.Abstractions;

namespace Alerts.Notifier.Tests;

/// <summary>
/// Django's own BrokenLinkEmailsMiddleware (Debian's python3-django) and Alerts' broken-link rule and subject on the same
/// generated requests: the same mail/no-mail and the same subject, except where Alerts differs on purpose, by name.
/// One mail per incident is the Notifier's grouping, not a per-request decision, so it is not compared here.
/// </summary>
public sealed class DjangoBrokenLinkDifferentialTests(ITestOutputHelper output)
{
    private const int BatchSize = 500;
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    /// <summary>Why Alerts does not mail where Django does: each one a rule Alerts adds on purpose.</summary>
    private enum Difference { None, ScannerNoise, AppendSlashFullUrlReferrer, ReferrerIsUrlWithQuery, BlankReferrer }

    private sealed record Request(string Scheme, string Host, string FullPath, string? Referrer, string? UserAgent, bool AppendSlash, string[] Ignorable)
    {
        public string Url => $"{Scheme}://{Host}{FullPath}";
    }

    private sealed record DjangoDecision(bool Mail, string? Subject, string FullPath, string Host);

    private static readonly string[] Hosts =
        ["testserver", "shop.example.com", "www.shop.example.com", "Shop.Example.com", "shop.example.com:8000", "127.0.0.1:8443", "shop.example.com:80"];

    private static readonly string[][] IgnorableSets = [[], ["foo"], [@"^/old-page", @"\.php$"], [@"(?i)^/FOO/"], [@"x=1"]];

    private static readonly Gen<string> PathGen =
        from segments in Gen.OneOf("orders", "17", "foo", "Foo", "old-page", "wp-login.php", "a.b").Array[1, 3]
        from slash in Gen.Bool
        from query in Gen.OneOf("", "", "?x=1", "?q=foo", "?next=/orders/")
        select "/" + string.Join('/', segments) + (slash ? "/" : "") + query;

    private static Gen<string?> ReferrerGen(string scheme, string host, string fullPath)
    {
        var path = fullPath.Split('?')[0];
        var withoutSlash = fullPath.EndsWith('/') ? fullPath[..^1] : fullPath;
        var pathWithoutSlash = path.EndsWith('/') && path.Length > 1 ? path[..^1] : path;
        return from schemeCase in Gen.OneOf(scheme, "http", "https", "HTTP", "Https")
               from hostCase in Gen.OneOf(host, host, host.ToUpperInvariant(), "www." + host, host.Split(':')[0], host.Split(':')[0] + ":8080")
               from other in PathGen
               from kind in Gen.Int[0, 16]
               select kind switch
               {
                   0 => null,
                   1 => "",
                   2 => " ",
                   3 => fullPath,
                   4 => path,
                   5 => withoutSlash,
                   6 => other,
                   7 => $"{schemeCase}://{hostCase}{other}",
                   8 => $"{schemeCase}://{hostCase}{fullPath}",
                   9 => $"{schemeCase}://{hostCase}{path}",
                   10 => $"{schemeCase}://{hostCase}{withoutSlash}",
                   11 => $"{schemeCase}://{hostCase}{pathWithoutSlash}",
                   12 => "https://www.google.com/search?q=" + Uri.EscapeDataString(path),
                   13 => $"//{hostCase}{path}",
                   14 => $"ftp://{hostCase}{path}",
                   15 => $"{schemeCase}://{hostCase}/",
                   _ => "https://blog.example.org/links/",
               };
    }

    private static readonly Gen<Request> RequestGen =
        from scheme in Gen.OneOf("http", "https")
        from host in Gen.OneOf(Hosts)
        from fullPath in PathGen
        from referrer in ReferrerGen(scheme, host, fullPath)
        from userAgent in Gen.OneOf<string?>(Browser, Browser, null, "sqlmap/1.8.2#stable (https://sqlmap.org)", "Spider machine 3.4")
        from appendSlash in Gen.Bool
        from ignorable in Gen.OneOf(IgnorableSets)
        select new Request(scheme, host, fullPath, referrer, userAgent, appendSlash, ignorable);

    private static readonly IReadOnlyList<NamedPattern> ScannerUserAgents =
        [.. ScannerNoiseOptions.DefaultUserAgents.Select(p => BrokenLinkRules.Pattern($"user agent {BrokenLinkRules.Readable(p)}", p))];

    private static readonly IReadOnlyList<NamedPattern> ProbeUrls =
        [.. ScannerNoiseOptions.DefaultProbeUrls.Select(p => BrokenLinkRules.Pattern($"probe path {BrokenLinkRules.Readable(p)}", p))];

    [Fact]
    public void GeneratedRequests_AlertsMailsAndTitlesLikeDjangosBrokenLinkEmailsMiddleware_ExceptNamedDifferences()
    {
        var checkedBatches = 0;
        RequestGen.Array[BatchSize].Sample(batch =>
        {
            CompareWithDjango(batch);
            checkedBatches++;
        }, iter: 1, threads: 1);
        Assert.Equal(1, checkedBatches);
    }

    private void CompareWithDjango(Request[] batch)
    {
        var django = RunDjango(batch);
        Assert.Equal(batch.Length, django.Count);

        var mismatches = new List<string>();
        var differences = new Dictionary<Difference, int>();
        for (var i = 0; i < batch.Length; i++)
        {
            var (request, theirs) = (batch[i], django[i]);
            // The request Django saw is the one Alerts is given as a URL.
            Assert.Equal((request.FullPath, request.Host), (theirs.FullPath, theirs.Host));

            var rules = new BrokenLinkRuleSet(
                [.. request.Ignorable.Select(p => BrokenLinkRules.Pattern($"IGNORABLE_404_URLS {p}", p))], ScannerUserAgents, ProbeUrls, request.AppendSlash);
            var verdict = BrokenLinkRules.Classify(request.Url, request.Referrer, request.UserAgent, rules);
            var mails = verdict.Class == BrokenLinkClass.Reported;
            var subject = mails
                ? AlertMailRenderer.BrokenLinkSubject(new EventPayload { Request = new RequestInfo { Url = request.Url, Referrer = request.Referrer, UserAgent = request.UserAgent } })
                : null;

            if (mails == theirs.Mail && subject == theirs.Subject) continue;
            var difference = theirs.Mail && !mails ? DifferenceOf(request, verdict) : Difference.None;
            if (difference == Difference.None)
                mismatches.Add($"{JsonSerializer.Serialize(request)}: Django {(theirs.Mail ? $"mails \"{theirs.Subject}\"" : "does not mail")}, "
                    + $"Alerts {(mails ? $"mails \"{subject}\"" : $"does not ({verdict.Description})")}");
            else
                differences[difference] = differences.GetValueOrDefault(difference) + 1;
        }

        output.WriteLine($"{batch.Length} requests, Django mailed {django.Count(d => d.Mail)}; named differences: "
            + string.Join(", ", differences.OrderBy(d => d.Key).Select(d => $"{d.Key} {d.Value}")));
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {batch.Length} requests decided unlike Django:{Environment.NewLine}{string.Join(Environment.NewLine, mismatches)}");
        // The generator must reach both answers and both subjects, or the comparison proves little.
        Assert.Contains(django, d => d.Subject?.StartsWith("Broken INTERNAL link on ", StringComparison.Ordinal) == true);
        Assert.Contains(django, d => d.Subject?.StartsWith("Broken link on ", StringComparison.Ordinal) == true);
        Assert.Contains(django, d => !d.Mail);
        Assert.True(differences.GetValueOrDefault(Difference.ScannerNoise) > 0, "no scanner noise was generated");
    }

    /// <summary>Where Alerts holds back a mail Django sends, the rule that does it on purpose; None for a real mismatch.</summary>
    private static Difference DifferenceOf(Request request, BrokenLinkVerdict verdict) => verdict switch
    {
        // Alerts:ScannerNoise: scanners' user agents and probe paths are counted, not mailed.
        { Class: BrokenLinkClass.Noise } => Difference.ScannerNoise,
        // Django compares the referrer with the path only; browsers send the full URL of the page without the slash.
        { Rule: BrokenLinkRules.AppendSlashRedirect } when request.Referrer?.Contains("://", StringComparison.Ordinal) == true => Difference.AppendSlashFullUrlReferrer,
        // Django compares the referrer's path with the path and query, which never match when there is a query.
        { Rule: BrokenLinkRules.ReferrerIsUrl } when request.FullPath.Contains('?', StringComparison.Ordinal) => Difference.ReferrerIsUrlWithQuery,
        // A referrer of blanks names no page; Django mails it as "Broken link".
        { Rule: BrokenLinkRules.NoReferrer } when request.Referrer is { Length: > 0 } => Difference.BlankReferrer,
        _ => Difference.None,
    };

    private static List<DjangoDecision> RunDjango(Request[] batch)
    {
        var dir = Directory.CreateTempSubdirectory("alerts-django-404-");
        try
        {
            var input = Path.Combine(dir.FullName, "requests.jsonl");
            var lines = batch.Select(r => JsonSerializer.Serialize(new
            {
                scheme = r.Scheme, host = r.Host, path = r.FullPath, referrer = r.Referrer, userAgent = r.UserAgent,
                appendSlash = r.AppendSlash, ignorable = r.Ignorable,
            }));
            File.WriteAllLines(input, lines, new UTF8Encoding(false));
            var script = Path.Combine(RepoPaths.Root, "tests", "Notifier.Tests", "Django", "broken_link_decisions.py");
            var output = Path.Combine(dir.FullName, "decisions.jsonl");
            var run = DebianPython.RunAsync(dir.FullName, [script, input, output], packages: new Dictionary<string, string> { ["django"] = "python3-django" })
                .GetAwaiter().GetResult();
            Assert.True(run.ExitCode == 0, run.ToString());
            var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            return [.. File.ReadAllLines(output).Where(l => l.Length > 0)
                .Select(l => JsonSerializer.Deserialize<DjangoDecision>(l, options)!)];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
