namespace ReturnsActors.Grains.Rma;

/// <summary>An amount of money in one ISO 4217 currency. Every amount is rounded once, here:
/// to 2 decimals with banker's rounding (<see cref="MidpointRounding.ToEven"/>).</summary>
[GenerateSerializer, Immutable, Alias("ra.Money")]
public sealed record Money
{
    public Money(decimal amount, string currency)
    {
        Amount = Round(amount);
        Currency = (currency ?? "").Trim().ToUpperInvariant();
    }

    /// <summary>The amount, already rounded.</summary>
    [Id(0)] public decimal Amount { get; init; }

    /// <summary>ISO 4217 code, upper case.</summary>
    [Id(1)] public string Currency { get; init; }

    /// <summary>The one rounding rule of the system.</summary>
    public static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);

    public static Money Zero(string currency) => new(0m, currency);

    public Money Times(decimal factor) => new(Amount * factor, Currency);

    /// <summary>The given percentage of this amount (10 means 10 %), rounded.</summary>
    public Money Percent(decimal percent) => new(Amount * percent / 100m, Currency);

    public static Money operator +(Money a, Money b) => new(a.Amount + Same(a, b).Amount, a.Currency);

    public static Money operator -(Money a, Money b) => new(a.Amount - Same(a, b).Amount, a.Currency);

    public Money AtLeastZero() => Amount < 0 ? Zero(Currency) : this;

    public override string ToString() => $"{Amount:0.00} {Currency}";

    private static Money Same(Money a, Money b) =>
        a.Currency == b.Currency ? b : throw new InvalidOperationException($"Cannot combine {a.Currency} with {b.Currency}.");
}
