using System.Globalization;
using System.Runtime.CompilerServices;
using Alerts.Client.AspNetCore;

namespace Alerts.Clients.Tests;

public class ExceptionMapperTests
{
    private static readonly InAppRule TestsAreTheApp = new(["Alerts.Clients.Tests"]);

    [Fact]
    public async Task Map_AsyncChain_FramesOldestFirstNamedAsWritten()
    {
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(PlaceOrderAsync);

        var (exception, causes) = ExceptionMapper.Map(thrown, TestsAreTheApp);

        Assert.Equal("System.InvalidOperationException", exception.Type);
        Assert.Equal("Order 17 cannot be placed.", exception.Value);
        Assert.Equal("System.Private.CoreLib", exception.Module);
        var own = exception.Frames!.Where(f => f.InApp).Select(f => f.Function).ToList();
        Assert.Equal([nameof(PlaceOrderAsync), nameof(ChargeAsync)], own);
        var last = exception.Frames!.Last(f => f.InApp);
        Assert.Equal(typeof(ExceptionMapperTests).FullName, last.Module);
        Assert.EndsWith("ExceptionMapperTests.cs", last.Filename, StringComparison.Ordinal);
        Assert.True(last.Lineno > 0);

        // The inner exception, thrown in the framework: its last frames are not the app's.
        var cause = Assert.Single(causes!);
        Assert.Equal("System.FormatException", cause.Type);
        Assert.False(cause.Frames![^1].InApp);
        Assert.Equal(nameof(ChargeAsync), cause.Frames.Last(f => f.InApp).Function);
    }

    [Fact]
    public void Map_DeepRecursion_KeepsTheCollectorsFrameLimit()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => Recurse(400));

        var frames = ExceptionMapper.Map(thrown, TestsAreTheApp).Exception.Frames!;

        Assert.Equal(ExceptionMapper.MaxFrames, frames.Count);
        Assert.Equal(nameof(Recurse), frames[^1].Function);
    }

    [Theory]
    [InlineData("AspNetCoreShop", true)]
    [InlineData("AspNetCoreShop.Data", true)]
    [InlineData("AspNetCoreShopping", false)]
    [InlineData("Microsoft.AspNetCore.Routing", false)]
    [InlineData("Contoso.Billing", true)]
    public void InAppRule_TheAppAndItsSubAssemblies(string assembly, bool inApp) =>
        Assert.Equal(inApp, new InAppRule(["AspNetCoreShop", "Contoso.*"]).Contains(assembly));

    private static async Task PlaceOrderAsync()
    {
        await Task.Yield();
        await ChargeAsync("17");
    }

    private static async Task ChargeAsync(string amount)
    {
        await Task.Yield();
        try
        {
            _ = int.Parse(amount + "x", CultureInfo.InvariantCulture);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException("Order 17 cannot be placed.", ex);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recurse(int depth) =>
        depth == 0 ? throw new InvalidOperationException("bottom") : Recurse(depth - 1) + 1;
}
