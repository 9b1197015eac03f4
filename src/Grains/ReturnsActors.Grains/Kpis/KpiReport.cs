namespace ReturnsActors.Grains.Kpis;

/// <summary>The KPIs of one tenant over <c>[From, To)</c>; see <see cref="KpiCalculator"/> for each definition.</summary>
public sealed record KpiReport(
    string TenantId,
    DateTimeOffset From,
    DateTimeOffset To,
    string GroupBy,
    DateTimeOffset AsOf,
    KpiTiles Tiles,
    IReadOnlyList<CycleTimeByChannel> CycleTime,
    RefundSlaAdherence RefundSla,
    FirstPassInspection FirstPassInspection,
    SupplierRecovery SupplierRecovery,
    ExceptionBreakdown Exceptions,
    IReadOnlyList<AgingBucket> Aging,
    IReadOnlyList<KeyCount> BacklogByWarehouse,
    IReadOnlyList<PeriodCount> SlaBreaches,
    AdvisoryKpis Advisory);

/// <summary>Advisory recommendations issued in the range (and how many were applied automatically), overrides recorded in the
/// range, override rate (overridden ÷ issued) and agreement rate (1 − override rate); rates are null when nothing was issued.</summary>
public sealed record AdvisoryKpis(int Issued, int AutoApplied, int Overridden, double? OverrideRate, double? AgreementRate);

/// <summary>Headline numbers: returns created in the range, open now, open and breached now.</summary>
public sealed record KpiTiles(int ReturnsCreated, int OpenReturns, int OpenBreached, int SlaBreaches, int Exceptions);

/// <summary>Hours from <c>return.requested</c> to the first resolution event, per channel (nearest-rank percentiles).</summary>
public sealed record CycleTimeByChannel(string Channel, int Returns, double MedianHours, double P90Hours);

/// <summary>Refunds issued in the range and those issued within the policy's refund hours after disposition.</summary>
public sealed record RefundSlaAdherence(int Refunds, int WithinSla, double? Adherence);

/// <summary>Lines dispositioned in the range, and those that passed first time (no quality review, no receipt exception).</summary>
public sealed record FirstPassInspection(int Lines, int FirstPass, double? Accuracy);

/// <summary>Supplier recovery as of now (claims are not dated into the KPI range): credited ÷ claimed value over the
/// tenant's suppliers. <c>Rate</c> is null before anything was claimed, or when suppliers bill in several currencies.</summary>
public sealed record SupplierRecovery(bool Available, int Suppliers, decimal ClaimedValue, decimal CreditedValue, double? Rate, string? Currency)
{
    public static SupplierRecovery None { get; } = new(false, 0, 0, 0, null, null);

    /// <summary>Sums the suppliers' own figures (the same numbers <c>/v1/suppliers</c> shows).</summary>
    public static SupplierRecovery From(IReadOnlyList<Suppliers.SupplierView> suppliers)
    {
        if (suppliers.Count == 0)
        {
            return None;
        }

        var currencies = suppliers.Select(s => s.Figures.ClaimedValue.Currency).Distinct().ToList();
        var claimed = suppliers.Sum(s => s.Figures.ClaimedValue.Amount);
        var credited = suppliers.Sum(s => s.Figures.CreditedValue.Amount);
        return currencies.Count == 1
            ? new(true, suppliers.Count, claimed, credited, claimed == 0 ? null : (double)(credited / claimed), currencies[0])
            : new(true, suppliers.Count, 0, 0, null, null);
    }
}

/// <summary>Exception tasks (every task but routine reviews) raised in the range.</summary>
public sealed record ExceptionBreakdown(int Total, IReadOnlyList<KeyCount> ByWarehouse, IReadOnlyList<KeyCount> ByProductFamily, IReadOnlyList<KeyCount> ByKind);

public sealed record AgingBucket(string Bucket, int Count);

public sealed record KeyCount(string Key, int Count);

/// <summary>A count for the period starting on <paramref name="Period"/> (a UTC date, yyyy-MM-dd).</summary>
public sealed record PeriodCount(string Period, int Count);

/// <summary>One event of the log as the KPIs read it.</summary>
public sealed record KpiEvent(string RmaId, string Type, DateTimeOffset OccurredAt, int PolicyVersion, string DataJson);
