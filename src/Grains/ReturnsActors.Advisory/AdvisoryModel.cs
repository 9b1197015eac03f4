using System.Text.Json.Serialization;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory;

/// <summary>What the advisor recommends doing with a return. Names are the wire form (snake_case).</summary>
public enum AdvisoryAction
{
    /// <summary>Authorize the return; money goes back after receipt and inspection.</summary>
    Approve = 0,
    /// <summary>Ship a replacement unit.</summary>
    Replace = 1,
    /// <summary>Refund now, before or without the item coming back.</summary>
    Refund = 2,
    /// <summary>Offer store credit instead of cash.</summary>
    StoreCredit = 3,
    /// <summary>Route to a person.</summary>
    ManualReview = 4,
    /// <summary>Refuse the return.</summary>
    Decline = 5,
}

/// <summary>Loyalty tier of the customer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CustomerTier>))]
public enum CustomerTier
{
    Standard = 0,
    Silver = 1,
    Gold = 2,
}

/// <summary>Where the order was placed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SalesChannel>))]
public enum SalesChannel
{
    Web = 0,
    Marketplace = 1,
    Store = 2,
}

/// <summary>The inputs of a recommendation, one per feature the model sees.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdvisoryFeature>))]
public enum AdvisoryFeature
{
    Reason = 0,
    SkuFamilyDefectRate = 1,
    PriorReturns = 2,
    CustomerTier = 3,
    OrderValue = 4,
    DaysSinceDelivery = 5,
    WarrantyMonthsLeft = 6,
    Channel = 7,
}

/// <summary>What the advisor knows about one return when it recommends an action.</summary>
/// <param name="Reason">Reason class of the return (the main line's).</param>
/// <param name="SkuFamilyDefectRate">Share (0-1) of units of the SKU family that came back defective.</param>
/// <param name="PriorReturns">Returns the customer made in the last 12 months.</param>
/// <param name="Tier">Customer loyalty tier.</param>
/// <param name="OrderValue">Value of the returned lines in the order currency.</param>
/// <param name="DaysSinceDelivery">Whole days between delivery and the return request.</param>
/// <param name="WarrantyMonthsLeft">Whole months of manufacturer or store warranty left (0 = expired or none).</param>
/// <param name="Channel">Where the order was placed.</param>
public sealed record ReturnFeatures(
    ReasonClass Reason,
    double SkuFamilyDefectRate,
    int PriorReturns,
    CustomerTier Tier,
    decimal OrderValue,
    int DaysSinceDelivery,
    int WarrantyMonthsLeft,
    SalesChannel Channel);

/// <summary>A synthetic return with the action the (noisy) rules chose for it.</summary>
public sealed record LabeledReturn(ReturnFeatures Features, AdvisoryAction Action);

/// <summary>One reason behind a recommendation.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Value">The feature's value in this case, as shown to an agent.</param>
/// <param name="Contribution">How much this value raised the probability of the recommended action
/// (0-1) compared with typical values of the feature.</param>
/// <param name="Text">The reason in words.</param>
public sealed record RecommendationReason(AdvisoryFeature Feature, string Value, double Contribution, string Text);

/// <summary>The advisor's answer for one return.</summary>
/// <param name="Action">The recommended action.</param>
/// <param name="Confidence">Model probability (0-1) of <paramref name="Action"/>.</param>
/// <param name="Reasons">The features that drove the recommendation, strongest first (at most three).</param>
/// <param name="ModelVersion">Version of the model that produced it (for the audit trail).</param>
public sealed record Recommendation(
    AdvisoryAction Action,
    double Confidence,
    IReadOnlyList<RecommendationReason> Reasons,
    string ModelVersion);

/// <summary>Wire names of advisory enums.</summary>
public static class AdvisoryNames
{
    public static string Of(AdvisoryAction action) => action switch
    {
        AdvisoryAction.Approve => "approve",
        AdvisoryAction.Replace => "replace",
        AdvisoryAction.Refund => "refund",
        AdvisoryAction.StoreCredit => "store_credit",
        AdvisoryAction.ManualReview => "manual_review",
        AdvisoryAction.Decline => "decline",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static string Of(ReasonClass reason) => reason switch
    {
        ReasonClass.Convenience => "convenience",
        ReasonClass.Warranty => "warranty",
        ReasonClass.TransitDamage => "transit_damage",
        ReasonClass.WrongItem => "wrong_item",
        ReasonClass.Defect => "defect",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    public static string Of(AdvisoryFeature feature) => feature switch
    {
        AdvisoryFeature.Reason => "reason class",
        AdvisoryFeature.SkuFamilyDefectRate => "SKU family defect rate",
        AdvisoryFeature.PriorReturns => "prior returns",
        AdvisoryFeature.CustomerTier => "customer tier",
        AdvisoryFeature.OrderValue => "order value",
        AdvisoryFeature.DaysSinceDelivery => "days since delivery",
        AdvisoryFeature.WarrantyMonthsLeft => "warranty months left",
        AdvisoryFeature.Channel => "channel",
        _ => throw new ArgumentOutOfRangeException(nameof(feature)),
    };
}
