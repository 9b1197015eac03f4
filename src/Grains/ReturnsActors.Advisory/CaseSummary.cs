using System.Globalization;
using System.Text;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory;

/// <summary>A deterministic, template-based summary of a return for a service agent: the same inputs
/// always give the same text (invariant culture, UTC times, stable ordering).</summary>
public static class CaseSummary
{
    /// <summary>How many of the latest events the summary lists.</summary>
    public const int RecentEvents = 5;

    public static string Summarize(
        RmaView rma,
        IReadOnlyList<RmaEvent> history,
        Recommendation? recommendation,
        GovernanceDecision? decision,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rma);
        ArgumentNullException.ThrowIfNull(history);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"Return {rma.RmaId} for order {rma.OrderId} ({rma.Channel}) is {rma.Status}");
        text.Append(rma.OnHold ? $", on hold: {rma.HoldReason ?? "no reason given"}.\n" : ".\n");
        text.Append(c, $"Delivered {Day(rma.OrderDeliveredAt)}, requested {Day(rma.CreatedAt)}, policy v{rma.PolicyVersion}.\n");

        text.Append(c, $"Lines ({rma.Lines.Count}):\n");
        foreach (var line in rma.Lines.OrderBy(l => l.LineId, StringComparer.Ordinal))
        {
            text.Append(c, $"- {line.Quantity} x {line.Sku} ({line.Category}), {line.UnitPrice.Amount.ToString("0.00", c)} {line.UnitPrice.Currency} each, ")
                .Append(c, $"reason {AdvisoryNames.Of(line.ReasonClass)} ({line.ReasonCode}), {line.Acceptance}.\n");
        }

        var events = history.OrderBy(e => e.Seq).ToList();
        text.Append(c, $"History: {events.Count} events");
        text.Append(events.Count == 0 ? ".\n" : ", latest:\n");
        foreach (var e in events.Skip(Math.Max(0, events.Count - RecentEvents)))
        {
            text.Append(c, $"- #{e.Seq} {e.Type} by {e.Actor} at {Time(e.OccurredAt)}.\n");
        }

        var open = rma.Deadlines.Where(d => d.CompletedAt is null)
            .OrderBy(d => d.DueAt).ThenBy(d => d.Stage, StringComparer.Ordinal).ToList();
        if (open.Count == 0)
        {
            text.Append("Open deadlines: none.\n");
        }
        else
        {
            text.Append("Open deadlines:\n");
            foreach (var d in open)
            {
                var left = d.DueAt - now;
                var state = left < TimeSpan.Zero ? $"overdue by {Hours(-left)}" : $"in {Hours(left)}";
                text.Append(c, $"- {d.Stage} due {Time(d.DueAt)} ({state}).\n");
            }
        }

        if (recommendation is null)
        {
            text.Append("Recommendation: none yet.");
        }
        else
        {
            text.Append(c, $"Recommendation: {AdvisoryNames.Of(recommendation.Action)} ({Math.Round(recommendation.Confidence * 100).ToString("0", c)}% confidence, model {recommendation.ModelVersion})");
            text.Append(recommendation.Reasons.Count == 0
                ? "."
                : "; " + string.Join("; ", recommendation.Reasons.Select(r => r.Text)) + ".");
            var mode = decision?.Mode == AdvisoryMode.AutoApply ? "applied automatically" : "advisory, awaiting an agent";
            text.Append(c, $" Status: {mode}{(decision is null ? "" : $" ({decision.Why})")}.");
        }

        return text.ToString();
    }

    private static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z";

    private static string Hours(TimeSpan span) => ((int)Math.Floor(span.TotalHours)).ToString(CultureInfo.InvariantCulture) + " h";
}
