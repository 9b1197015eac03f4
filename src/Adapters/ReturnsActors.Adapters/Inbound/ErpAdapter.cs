using System.Text;
using System.Text.Json;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>ERP refund / credit-memo confirmations, in the shape of Dynamics 365 Business Central's <c>salesCreditMemo</c> API entity
/// (<c>id</c>, <c>number</c>, <c>externalDocumentNumber</c> = the RMA id, <c>status</c>, <c>totalAmountIncludingTax</c>, <c>currencyCode</c>).
/// A memo with status <c>Open</c> or <c>Paid</c> confirms the settlement (reference = its <c>number</c>); <c>Draft</c> and
/// <c>Canceled</c> change nothing. Business Central sends no payload signature of its own, so the ERP connector signs like the
/// generic carrier event: <c>X-RA-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))</c> with <c>X-RA-Timestamp</c>.</summary>
public sealed class ErpCreditMemoAdapter : IPartnerAdapter
{
    private readonly GenericCarrierAdapter _signing = new();

    public string Name => "erp";

    public IReadOnlyList<string> SignificantHeaders { get; } = [GenericCarrierAdapter.SignatureHeader, GenericCarrierAdapter.TimestampHeader];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance) =>
        _signing.Verify(header, body, secret, now, tolerance);

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        CreditMemo? memo;
        try
        {
            memo = JsonSerializer.Deserialize<CreditMemo>(body, CanonicalMapper.Json);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        if (memo?.Id is not { Length: > 0 } || string.IsNullOrWhiteSpace(memo.Number))
        {
            return MapResult.Fail("payload.fields", "A credit memo needs id and number.");
        }

        if (memo.ExternalDocumentNumber is not { Length: > 0 } rmaId || !CanonicalMapper.IsValidRmaId(rmaId))
        {
            return MapResult.Fail("payload.rma", "externalDocumentNumber must be the RMA id the credit memo settles.");
        }

        if (memo.Status is not ("Open" or "Paid"))
        {
            return MapResult.Nothing;
        }

        var id = $"erp:{memo.Id}";
        return MapResult.One(new MappedCommand(rmaId, id, new ConfirmSettlement(id, "erp:credit-memo", memo.Number)));
    }

    private sealed record CreditMemo(string? Id, string? Number, string? ExternalDocumentNumber, string? Status, decimal? TotalAmountIncludingTax, string? CurrencyCode);
}
