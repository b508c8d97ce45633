using Alerts.Core.Options;

namespace Alerts.Dashboard.Tests;

public sealed class RecipientListTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n \r\n")]
    public void Parse_Blank_InheritsTheConfiguration(string? text)
    {
        Assert.Null(RecipientList.Parse(text, out var errors));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("Ada Lovelace <ada@example.com>", "Ada Lovelace", "ada@example.com")]
    [InlineData("  ada@example.com\r", "", "ada@example.com")]
    [InlineData("\"Lovelace, Ada\" <ada@example.com>", "Lovelace, Ada", "ada@example.com")]
    public void Parse_OneAddressPerLine(string text, string name, string email)
    {
        var recipient = Assert.Single(RecipientList.Parse(text, out var errors)!);

        Assert.Empty(errors);
        Assert.Equal((name, email), (recipient.Name, recipient.Email));
    }

    [Fact]
    public void Parse_NamesEveryLineThatIsNotAnAddress()
    {
        RecipientList.Parse("ada@example.com\nnot an address\nmax@\n", out var errors);

        Assert.Equal(["'not an address' is not an e-mail address.", "'max@' is not an e-mail address."], errors);
    }

    [Fact]
    public void Format_ThenParse_GivesTheSameList()
    {
        var list = RecipientList.Parse("Ada <ada@example.com>\nmax@example.com", out _);

        var again = RecipientList.Parse(RecipientList.Format(list), out _);

        Assert.Equal(list!.Select(r => r.ToString()), again!.Select(r => r.ToString()));
    }
}
