using Alerts.Dashboard.Api;

namespace Alerts.Dashboard.Tests;

public sealed class IncidentCursorTests
{
    public static TheoryData<IncidentSort, long, long> Cursors => new()
    {
        { IncidentSort.LastSeen, new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc).Ticks, 17 },
        { IncidentSort.LastSeen, 0, 0 },
        { IncidentSort.Count, 1, long.MaxValue },
        { IncidentSort.Count, 123_456_789, 100_000 },
    };

    [Theory]
    [MemberData(nameof(Cursors))]
    public void Encode_ThenDecode_GivesTheSameCursor(IncidentSort sort, long key, long id)
    {
        var cursor = new IncidentCursor(sort, key, id);

        Assert.Equal(cursor, IncidentCursor.Decode(cursor.Encode()));
    }

    [Fact]
    public void Encode_IsUrlSafe()
    {
        var text = new IncidentCursor(IncidentSort.Count, long.MaxValue, long.MaxValue).Encode();

        Assert.Matches("^[A-Za-z0-9_-]+$", text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("bDoxOjI6Mw")] // l:1:2:3, one part too many
    [InlineData("eDoxOjI")] // x:1:2, unknown sort
    [InlineData("bDotMToy")] // l:-1:2, negative key
    [InlineData("bDphYmM6Mg")] // l:abc:2
    [InlineData("bDozMTU1Mzc4OTc2MDAwMDAwMDAwOjI")] // l:3155378976000000000:2, past any date
    public void Decode_RejectsWhatThisApiDidNotMake(string text) => Assert.Null(IncidentCursor.Decode(text));

    [Theory]
    [InlineData("closed", null, null, null, "status")]
    [InlineData(null, "crash", null, null, "kind")]
    [InlineData(null, null, "newest", null, "sort")]
    [InlineData(null, null, null, "zzz", "cursor")]
    public void Parse_NamesTheWrongParameter(string? status, string? kind, string? sort, string? cursor, string parameter)
    {
        IncidentFilter.Parse(status, kind, null, null, null, sort, cursor, null, out var errors);

        Assert.Equal(parameter, Assert.Single(errors).Key);
    }

    [Fact]
    public void Parse_CursorOfAnotherSortOrder_IsRejected()
    {
        var byCount = new IncidentCursor(IncidentSort.Count, 5, 1).Encode();

        IncidentFilter.Parse(null, null, null, null, null, "last_seen", byCount, null, out var errors);

        Assert.Contains("another sort", Assert.Single(errors).Value[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("production", "%\"environment\":\"production\"%")]
    [InlineData("staging_1", "%\"environment\":\"staging\\_1\"%")]
    [InlineData("100%", "%\"environment\":\"100\\%\"%")]
    public void EnvironmentPattern_MatchesTheStoredMemberLiterally(string environment, string pattern) =>
        Assert.Equal(pattern, IncidentList.EnvironmentPattern(environment));
}
