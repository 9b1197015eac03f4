using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Rmas;

/// <summary>Opens a return against an order. <c>rmaId</c> is optional (one is generated); repeat the same
/// <c>Idempotency-Key</c> to retry safely.</summary>
public sealed record CreateRmaRequest(string? RmaId, string? OrderId, IReadOnlyList<RequestedLineRequest>? Lines, string? CustomerNote, bool FraudSignal = false);

public sealed record RequestedLineRequest(string? OrderLineId, int Quantity, string? ReasonCode, ReasonClass ReasonClass, IReadOnlyList<string>? SerialNumbers);

public sealed record NoteRequest(string? Note);

public sealed record ReasonRequest(string? Reason);

public sealed record CancelRequest(CancelledBy By, string? Reason);

public sealed record LabelRequest(string? Carrier, string? TrackingNumber, string? LabelUrl);

public sealed record CarrierEventRequest(CarrierEventKind Kind, DateTimeOffset? OccurredAt);

public sealed record ReceiptRequest(IReadOnlyList<ReceivedLine>? Lines, bool Final = false, string? Warehouse = null);

public sealed record InspectionRequest(IReadOnlyList<InspectedLine>? Lines);

public sealed record DispositionRequest(IReadOnlyList<LineDisposition>? Lines);

public sealed record SettleRequest(SettlementKind Kind);

public sealed record ConfirmSettlementRequest(string? Reference);

public sealed record ResolveWithoutReturnRequest(SettlementKind Kind, string? Reason);

public sealed record TextRequest(string? Text);

/// <summary>The audit trail of one return.</summary>
public sealed record RmaEventsResponse(string RmaId, IReadOnlyList<RmaEvent> Events);

/// <summary>One page of returns; pass <c>nextCursor</c> as <c>cursor</c> for the next page (null on the last).</summary>
public sealed record RmaPage(IReadOnlyList<RmaSummary> Items, string? NextCursor);

/// <summary>Opaque keyset cursors: base64url of the last row's creation time and id.</summary>
internal static class RmaCursors
{
    public static string Encode(RmaCursor cursor) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{cursor.CreatedAt.UtcTicks}|{cursor.RmaId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string value, out RmaCursor? cursor)
    {
        cursor = null;
        try
        {
            var base64 = value.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var bar = text.IndexOf('|');
            if (bar <= 0 || !long.TryParse(text[..bar], out var ticks) || ticks < 0 || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }

            cursor = new RmaCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>The audit chain recomputed from the grain's events and from the event log.</summary>
/// <param name="Valid">Both copies are intact.</param>
/// <param name="Grain">The events kept in the return's own state.</param>
/// <param name="Log">Every event of the return in the append-only event log.</param>
public sealed record RmaChainReport(bool Valid, ChainVerification Grain, ChainVerification Log);
