using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Core.Tests;

public class FingerprinterTests
{
    private static readonly FrameInfo Library = Frame("django/core/handlers/base.py", "django.core.handlers.base", "_get_response", 197, inApp: false);
    private static readonly FrameInfo View = Frame("shop/views.py", "shop.views", "order_detail", 42, inApp: true);

    /// <summary>Pairs of events a user expects to land on ONE incident.</summary>
    private static readonly Dictionary<string, (EventKind Kind, EventPayload A, EventPayload B)> SameProblem = new()
    {
        ["shifted line number"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", Library, View),
            Error("ZeroDivisionError", "division by zero", Library, At(View, 57))),
        ["different exception value with frames"] = (EventKind.Error,
            Error("KeyError", "'sku-1'", View),
            Error("KeyError", "'sku-2'", View)),
        ["same exception on another URL"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", View),
            Message(Error("ZeroDivisionError", "division by zero", View), "Internal Server Error: /orders/18")),
        ["library frames differ but in-app frames match"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", Library, View),
            Error("ZeroDivisionError", "division by zero", Frame("gunicorn/workers/sync.py", "gunicorn.workers.sync", "handle", 135, inApp: false), View)),
        ["no in-app frames, library line shifted"] = (EventKind.Error,
            Error("OperationalError", "database is locked", Library),
            Error("OperationalError", "database is locked", At(Library, 210))),
        ["no frames, same type and value"] = (EventKind.Error,
            Error("TimeoutError", "upstream timed out"),
            Error("TimeoutError", "upstream timed out")),
        ["message-only, same message"] = (EventKind.Error,
            new EventPayload { Message = "Payment gateway returned 502" },
            new EventPayload { Message = "Payment gateway returned 502" }),
        ["different errors, same client fingerprint"] = (EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", View), "payments-down"),
            Grouped(Error("ConnectionError", "refused", Library), "payments-down")),
        ["client fingerprint with {{ default }}, shifted line"] = (EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", View), "tenant-a", "{{ default }}"),
            Grouped(Error("ZeroDivisionError", "division by zero", At(View, 99)), "tenant-a", "{{ default }}")),
        ["broken link, other scheme and host"] = (EventKind.BrokenLink,
            BrokenLink("https://shop.example.com/old-page?ref=nav"),
            BrokenLink("http://www.shop.example.com/old-page?ref=nav")),
        ["broken link, fragment differs"] = (EventKind.BrokenLink,
            BrokenLink("https://shop.example.com/old-page#top"),
            BrokenLink("https://shop.example.com/old-page#comments")),
        ["broken link, relative url with fragment"] = (EventKind.BrokenLink,
            BrokenLink("/old-page?ref=nav#top"),
            BrokenLink("https://shop.example.com/old-page?ref=nav")),
    };

    /// <summary>Pairs of events a user expects on TWO incidents.</summary>
    private static readonly Dictionary<string, (EventKind Kind, EventPayload A, EventPayload B)> DifferentProblem = new()
    {
        ["different exception type"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", Library, View),
            Error("TypeError", "division by zero", Library, View)),
        ["different in-app function"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", View),
            Error("ZeroDivisionError", "division by zero", Frame("shop/views.py", "shop.views", "order_list", 42, inApp: true))),
        ["no in-app frames, different library frames"] = (EventKind.Error,
            Error("OperationalError", "database is locked", Library),
            Error("OperationalError", "database is locked", Frame("django/core/handlers/base.py", "django.core.handlers.base", "execute", 197, inApp: false))),
        ["no frames, different value"] = (EventKind.Error,
            Error("TimeoutError", "upstream timed out"),
            Error("TimeoutError", "database timed out")),
        ["message-only, different message"] = (EventKind.Error,
            new EventPayload { Message = "Payment gateway returned 502" },
            new EventPayload { Message = "Payment gateway returned 503" }),
        ["same error, different client fingerprints"] = (EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", View), "tenant-a"),
            Grouped(Error("ZeroDivisionError", "division by zero", View), "tenant-b")),
        ["same error, with and without client fingerprint"] = (EventKind.Error,
            Error("ZeroDivisionError", "division by zero", View),
            Grouped(Error("ZeroDivisionError", "division by zero", View), "tenant-a")),
        ["client fingerprint with {{ default }}, different errors"] = (EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", View), "tenant-a", "{{ default }}"),
            Grouped(Error("TypeError", "unsupported operand", View), "tenant-a", "{{ default }}")),
        ["client fingerprint components that concatenate alike"] = (EventKind.Error,
            Grouped(new EventPayload { Message = "m" }, "ab", "c"),
            Grouped(new EventPayload { Message = "m" }, "a", "bc")),
        ["broken link, different query"] = (EventKind.BrokenLink,
            BrokenLink("https://shop.example.com/search?q=shoes"),
            BrokenLink("https://shop.example.com/search?q=hats")),
        ["broken link, different path"] = (EventKind.BrokenLink,
            BrokenLink("https://shop.example.com/old-page"),
            BrokenLink("https://shop.example.com/older-page")),
    };

    public static TheoryData<string> SameProblemCases => [.. SameProblem.Keys];

    public static TheoryData<string> DifferentProblemCases => [.. DifferentProblem.Keys];

    [Theory]
    [MemberData(nameof(SameProblemCases))]
    public void Compute_SameProblem_SharesOneFingerprint(string situation)
    {
        var (kind, a, b) = SameProblem[situation];

        Assert.Equal(Fingerprinter.Compute(kind, a), Fingerprinter.Compute(kind, b));
    }

    [Theory]
    [MemberData(nameof(DifferentProblemCases))]
    public void Compute_DifferentProblem_GetsItsOwnFingerprint(string situation)
    {
        var (kind, a, b) = DifferentProblem[situation];

        Assert.NotEqual(Fingerprinter.Compute(kind, a), Fingerprinter.Compute(kind, b));
    }

    [Fact]
    public void Compute_ShiftedLineNumber_KeepsFingerprint()
    {
        var before = Error("ZeroDivisionError", "division by zero", Library, View);
        var after = Error("ZeroDivisionError", "division by zero", At(Library, 198), At(View, 43));

        Assert.Equal(Fingerprinter.Compute(EventKind.Error, before), Fingerprinter.Compute(EventKind.Error, after));
    }

    [Fact]
    public void Compute_AnyEvent_Is32LowercaseHexCharacters()
    {
        var fingerprint = Fingerprinter.Compute(EventKind.Error, Error("ZeroDivisionError", "division by zero", View));

        Assert.Matches("^[0-9a-f]{32}$", fingerprint);
    }

    [Fact]
    public void Components_InAppFramesPresent_LeaveLibraryFramesOut()
    {
        var components = Fingerprinter.Components(EventKind.Error, Error("ZeroDivisionError", "division by zero", Library, View));

        Assert.Equal(["error", "ZeroDivisionError", "shop.views:order_detail"], components);
    }

    [Fact]
    public void Components_NoInAppFrames_UseEveryFrame()
    {
        var other = Frame("django/db/backends/utils.py", "django.db.backends.utils", "execute", 89, inApp: false);

        var components = Fingerprinter.Components(EventKind.Error, Error("OperationalError", "database is locked", Library, other));

        Assert.Equal(["error", "OperationalError", "django.core.handlers.base:_get_response", "django.db.backends.utils:execute"], components);
    }

    [Fact]
    public void Components_NoFrames_UseTypeAndValue()
    {
        var components = Fingerprinter.Components(EventKind.Error, Error("TimeoutError", "upstream timed out"));

        Assert.Equal(["error", "TimeoutError", "upstream timed out"], components);
    }

    [Fact]
    public void Components_MessageOnly_UseTheMessage()
    {
        var components = Fingerprinter.Components(EventKind.Error, new EventPayload { Message = "Payment gateway returned 502" });

        Assert.Equal(["message", "Payment gateway returned 502"], components);
    }

    [Fact]
    public void Components_ClientFingerprint_ReplacesTheDefault()
    {
        var components = Fingerprinter.Components(EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", View), "payments", "gateway-502"));

        Assert.Equal(["custom", "payments", "gateway-502"], components);
    }

    [Fact]
    public void Components_DefaultPlaceholder_SplicesTheDefaultInPlace()
    {
        var components = Fingerprinter.Components(EventKind.Error,
            Grouped(Error("ZeroDivisionError", "division by zero", Library, View), "tenant-a", "{{ default }}", "eu"));

        Assert.Equal(["custom", "tenant-a", "error", "ZeroDivisionError", "shop.views:order_detail", "eu"], components);
    }

    [Theory]
    [InlineData("https://shop.example.com/old-page?ref=nav#top", "/old-page?ref=nav")]
    [InlineData("http://other.example.org:8080/a/b", "/a/b")]
    [InlineData("/relative/page?x=1#frag", "/relative/page?x=1")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void TargetOf_BrokenLinkUrl_IsPathAndQueryOnly(string? url, string expected)
    {
        Assert.Equal(expected, Fingerprinter.TargetOf(url));
    }

    private static EventPayload Error(string type, string value, params FrameInfo[] frames) => new()
    {
        Kind = EventKinds.Error,
        Message = "Internal Server Error: /orders/17",
        Exception = new ExceptionInfo { Type = type, Value = value, Module = "builtins", Frames = [.. frames] },
    };

    private static EventPayload Grouped(EventPayload e, params string[] fingerprint)
    {
        e.Fingerprint = [.. fingerprint];
        return e;
    }

    private static EventPayload Message(EventPayload e, string message)
    {
        e.Message = message;
        return e;
    }

    private static FrameInfo At(FrameInfo f, int line) => Frame(f.Filename!, f.Module!, f.Function!, line, f.InApp == true);

    private static EventPayload BrokenLink(string url) => new()
    {
        Kind = EventKinds.BrokenLink,
        Request = new RequestInfo { Url = url, Referrer = "https://shop.example.com/blog/", Method = "GET" },
    };

    private static FrameInfo Frame(string filename, string module, string function, int line, bool inApp) => new()
    {
        Filename = filename,
        Module = module,
        Function = function,
        Lineno = line,
        InApp = inApp,
    };
}
