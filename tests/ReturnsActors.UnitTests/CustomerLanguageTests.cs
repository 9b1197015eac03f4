using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class CustomerLanguageTests
{
    [Theory]
    [InlineData("de-AT", "fr", new[] { "de-at", "de", "fr", "en" })]
    [InlineData("en-GB", "de", new[] { "en-gb", "en", "de" })]
    [InlineData("zh-Hant-TW", null, new[] { "zh-hant-tw", "zh-hant", "zh", "en" })]
    [InlineData(null, "DE", new[] { "de", "en" })]
    [InlineData("fr", "de-CH", new[] { "fr", "de-ch", "de", "en" })]
    [InlineData("not a tag", null, new[] { "en" })]
    [InlineData("de", "de", new[] { "de", "en" })]
    public void Chain_GoesFromTheExactTag_ToItsBase_ToTheTenantDefault_ToEnglish_EachOnce(string? customer, string? tenantDefault, string[] expected) =>
        Assert.Equal(expected, CustomerLanguage.Chain(customer, tenantDefault));

    [Fact]
    public void Receipt_IsTheFirstArrivalOnlyAtTheFirstReceiptThatBringsGoods()
    {
        var state = Authorized(Shirts(quantity: 2));
        var line = state.Lines.Single().LineId;
        bool FirstArrival(RecordReceipt receipt) =>
            Do(state, receipt).Events.Single(e => e.Type == "receipt.recorded").DataJson.Contains("\"firstArrival\":true", StringComparison.Ordinal);

        Assert.False(FirstArrival(new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine(line, 0)])));
        Assert.True(FirstArrival(new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine(line, 1)])));
        Assert.False(FirstArrival(new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine(line, 1)], Final: true)));
    }
}
