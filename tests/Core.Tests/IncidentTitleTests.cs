using System.Text;
using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Core.Tests;

public class IncidentTitleTests
{
    [Theory]
    [InlineData("ZeroDivisionError", "division by zero", "Internal Server Error: /orders/17", "ZeroDivisionError: division by zero")]
    [InlineData("Http404", "", "Not Found: /x", "Http404")]
    [InlineData(null, null, "Payment gateway returned 502", "Payment gateway returned 502")]
    [InlineData(null, null, null, "Error")]
    public void For_Error_NamesTypeAndValueElseTheMessage(string? type, string? value, string? message, string expected)
    {
        var e = new EventPayload
        {
            Message = message,
            Exception = type is null ? null : new ExceptionInfo { Type = type, Value = value },
        };

        Assert.Equal(expected, IncidentTitle.For(EventKind.Error, e));
    }

    [Theory]
    [InlineData("https://shop.example.com/old-page", "Broken link: /old-page")]
    [InlineData("https://shop.example.com/search?q=hats#results", "Broken link: /search?q=hats")]
    public void For_BrokenLink_NamesThePathAndQuery(string url, string expected)
    {
        var e = new EventPayload { Request = new RequestInfo { Url = url, Referrer = "https://shop.example.com/" } };

        Assert.Equal(expected, IncidentTitle.For(EventKind.BrokenLink, e));
    }

    [Theory]
    [InlineData("bad\r\ninput")]
    [InlineData("bad\ninput")]
    [InlineData("bad\rinput")]
    [InlineData("bad\tinput\u0000")]
    public void For_ValueWithLineBreaks_StaysOneLine(string value)
    {
        var e = new EventPayload { Exception = new ExceptionInfo { Type = "ValueError", Value = value } };

        var title = IncidentTitle.For(EventKind.Error, e);

        Assert.DoesNotContain(title, char.IsControl);
        Assert.StartsWith("ValueError: bad", title, StringComparison.Ordinal);
        Assert.EndsWith("input", title, StringComparison.Ordinal);
    }

    [Fact]
    public void For_LongValue_IsCutTo200WithAnEllipsis()
    {
        var e = new EventPayload { Exception = new ExceptionInfo { Type = "ValueError", Value = new string('x', 500) } };

        var title = IncidentTitle.For(EventKind.Error, e);

        Assert.Equal(IncidentTitle.MaxLength, title.Length);
        Assert.StartsWith("ValueError: xxx", title, StringComparison.Ordinal);
        Assert.EndsWith("…", title, StringComparison.Ordinal);
    }

    [Fact]
    public void For_ValueOfExactly200_IsKeptWhole()
    {
        var value = new string('x', IncidentTitle.MaxLength - "ValueError: ".Length);
        var e = new EventPayload { Exception = new ExceptionInfo { Type = "ValueError", Value = value } };

        Assert.Equal($"ValueError: {value}", IncidentTitle.For(EventKind.Error, e));
    }

    [Fact]
    public void OneLine_CutInsideASurrogatePair_KeepsTheTextValidUnicode()
    {
        // 198 letters then an emoji: a cut at 199 code units would keep half of it, and a strict UTF-8 encoder
        // (a database driver, a mail header) refuses a lone surrogate.
        var text = new string('a', 198) + "😀" + new string('b', 50);

        var line = IncidentTitle.OneLine(text, 200);

        Assert.True(line.Length <= 200);
        Assert.EndsWith("…", line, StringComparison.Ordinal);
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Equal(line, strictUtf8.GetString(strictUtf8.GetBytes(line)));
    }
}
