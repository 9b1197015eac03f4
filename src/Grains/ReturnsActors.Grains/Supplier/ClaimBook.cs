using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>Vendor claim rules: plain C#, no Orleans. Each action checks its guard before it changes anything.</summary>
public static class ClaimBook
{
    public const int MaxAppliedCommands = 50;

    private static readonly VendorClaimStatus[] _open =
        [VendorClaimStatus.Submitted, VendorClaimStatus.Acknowledged, VendorClaimStatus.Shipped, VendorClaimStatus.PartiallyCredited];

    public static bool IsOpen(VendorClaimState c) => _open.Contains(c.Status) || (c.Status == VendorClaimStatus.Rejected && c.DisputeOpen);

    public static Rejection? Register(SupplierState s, RegisterSupplier c, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 200) errors["name"] = ["Must be 1 to 200 characters."];
        if (c.Currency is not { Length: 3 } || !c.Currency.All(char.IsAsciiLetter)) errors["currency"] = ["An ISO 4217 code such as EUR."];
        if (c.AllowanceCap is < 0) errors["allowanceCap"] = ["Must not be negative."];
        if (c.ConsolidationWindowDays is < 0 or > 365) errors["consolidationWindowDays"] = ["0 to 365."];
        if (c.AckSlaHours is < 1 or > 24 * 90) errors["ackSlaHours"] = ["1 to 2160."];
        if (!string.IsNullOrWhiteSpace(c.ClaimsEndpoint) && s.SigningSecret is null && string.IsNullOrEmpty(c.NewSigningSecret))
        {
            errors["claimsEndpoint"] = ["A new endpoint needs a signing secret."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("supplier.invalid", "The supplier is not valid.", errors);
        }

        s.Registered = true;
        s.Name = c.Name.Trim();
        s.Currency = c.Currency.ToUpperInvariant();
        s.AllowanceCap = c.AllowanceCap;
        s.ConsolidationWindowDays = c.ConsolidationWindowDays;
        s.AckSlaHours = c.AckSlaHours;
        SetEndpoint(s, string.IsNullOrWhiteSpace(c.ClaimsEndpoint) ? null : c.ClaimsEndpoint.Trim(), c.NewSigningSecret, now);
        return null;
    }

    /// <summary>A supplier that gets an endpoint gets a signing secret (kept when the endpoint moves); removing the endpoint
    /// drops the secrets and fails the submissions still pending.</summary>
    private static void SetEndpoint(SupplierState s, string? endpoint, string? newSecret, DateTimeOffset now)
    {
        if (endpoint is null)
        {
            if (s.ClaimsEndpoint is not null)
            {
                ClaimSubmissions.FailPending(s, "The supplier's claims endpoint was removed.", now);
            }

            (s.ClaimsEndpoint, s.SigningSecret, s.PreviousSigningSecret, s.PreviousSecretExpiresAt) = (null, null, null, null);
            return;
        }

        s.ClaimsEndpoint = endpoint;
        s.SigningSecret ??= newSecret;
    }

    /// <summary>Drafts one line into the open draft claim of its window (opening one when there is none, or the window
    /// closed). A line another claim owns is not claimed again; only defect and warranty returns are claimable.</summary>
    public static ClaimLineOutcome AddLine(SupplierState s, string supplierId, ClaimLineInput line, DateTimeOffset now)
    {
        var key = LineKey(line.RmaId, line.LineId);
        if (s.LineOwners.TryGetValue(key, out var owner))
        {
            return new ClaimLineOutcome(line.RmaId, line.LineId, owner, null);
        }

        if (line.ReasonClass is not (ReasonClass.Defect or ReasonClass.Warranty))
        {
            return new ClaimLineOutcome(line.RmaId, line.LineId, null,
                Rejection.Invalid("claim.not_claimable", $"A {line.ReasonClass} return is not the supplier's fault; only defect and warranty returns are claimed."));
        }

        if (!s.Registered && s.Claims.Count == 0)
        {
            // A supplier first met through a return (not registered yet) keeps its claims in that return's currency.
            s.Currency = line.UnitPrice.Currency;
        }

        if (line.UnitPrice.Currency != s.Currency)
        {
            return new ClaimLineOutcome(line.RmaId, line.LineId, null,
                Rejection.Invalid("claim.currency", $"The supplier is settled in {s.Currency}; a {line.UnitPrice.Currency} line needs a claim by hand."));
        }

        if (line.Quantity <= 0)
        {
            return new ClaimLineOutcome(line.RmaId, line.LineId, null, Rejection.Invalid("claim.no_quantity", "Nothing was received to claim."));
        }

        var draft = s.Claims.FirstOrDefault(c => c.Status == VendorClaimStatus.Draft && now < c.WindowClosesAt);
        if (draft is null)
        {
            draft = new VendorClaimState
            {
                ClaimId = $"{supplierId}-{s.NextClaimNumber++:D4}",
                Status = VendorClaimStatus.Draft,
                Currency = line.UnitPrice.Currency,
                OpenedAt = now,
                // A zero-day window still takes the lines of the same instant's batch.
                WindowClosesAt = now + TimeSpan.FromDays(Math.Max(s.ConsolidationWindowDays, 0)) + TimeSpan.FromTicks(1),
            };
            s.Claims.Add(draft);
            History(draft, "vendor_claim.drafted", now, "system", null);
        }

        draft.Lines.Add(new ClaimLineState
        {
            RmaId = line.RmaId, LineId = line.LineId, Sku = line.Sku, Quantity = line.Quantity, UnitPrice = line.UnitPrice,
            ReasonCode = line.ReasonCode, ReasonClass = line.ReasonClass, Grade = line.Grade, ConditionNotes = line.ConditionNotes,
        });
        s.LineOwners[key] = draft.ClaimId;
        History(draft, "vendor_claim.line_added", now, "system", $"{line.RmaId}/{line.LineId}: {line.Quantity} x {line.Sku}");
        return new ClaimLineOutcome(line.RmaId, line.LineId, draft.ClaimId, null);
    }

    /// <summary>Applies an action. Returns the rejection, or null; <paramref name="replayed"/> is true for a command id seen before.</summary>
    public static Rejection? Act(SupplierState s, VendorClaimState c, ClaimAction a, DateTimeOffset now, out bool replayed)
    {
        replayed = !string.IsNullOrWhiteSpace(a.CommandId) && c.AppliedCommands.Contains(a.CommandId);
        if (replayed)
        {
            return null;
        }

        var rejection = (a.Action ?? "").Trim().ToLowerInvariant() switch
        {
            "submit" => Submit(s, c, a, now),
            "resubmit" => ClaimSubmissions.Resubmit(s, c, a.Actor, now),
            "acknowledge" => Acknowledge(c, a, now),
            "ship" => Ship(c, a, now),
            "credit" => Credit(c, a, now),
            "reject" => Reject(c, a, now),
            "dispute" => Dispute(c, a, now),
            "write-off" or "writeoff" or "write_off" => WriteOff(c, a, now),
            "cancel" => Cancel(s, c, a, now),
            _ => Rejection.Invalid("claim.unknown_action", $"Unknown action '{a.Action}'."),
        };
        if (rejection is null)
        {
            ClaimSubmissions.WithdrawIfSettled(c);
        }

        if (rejection is null && !string.IsNullOrWhiteSpace(a.CommandId))
        {
            c.AppliedCommands.Add(a.CommandId);
            if (c.AppliedCommands.Count > MaxAppliedCommands)
            {
                c.AppliedCommands.RemoveAt(0);
            }
        }

        return rejection;
    }

    /// <summary>Submitted claims whose acknowledgement is overdue and not yet escalated: marks them escalated and returns them.</summary>
    public static IReadOnlyList<VendorClaimState> Escalate(SupplierState s, DateTimeOffset now)
    {
        var due = s.Claims.Where(c => c.Status == VendorClaimStatus.Submitted && c.AckDueAt <= now && c.AckEscalatedAt is null).ToList();
        foreach (var c in due)
        {
            c.AckEscalatedAt = now;
            History(c, "vendor_claim.ack_overdue", now, "system", $"Acknowledgement was due {c.AckDueAt:O}; escalated.");
        }

        return due;
    }

    /// <summary>When the supplier grain must wake next for an acknowledgement deadline.</summary>
    public static DateTimeOffset? NextAckDue(SupplierState s) =>
        s.Claims.Where(c => c.Status == VendorClaimStatus.Submitted && c.AckEscalatedAt is null && c.AckDueAt is not null).Min(c => c.AckDueAt);

    /// <summary>Claimed value of claims submitted in <paramref name="year"/> that still count against the allowance.</summary>
    public static decimal AllowanceUsed(SupplierState s, int year) =>
        s.Claims.Where(c => c.SubmittedAt?.Year == year && c.Status is not (VendorClaimStatus.Cancelled or VendorClaimStatus.Draft)).Sum(c => c.ClaimedAmount);

    public static SupplierFigures Figures(SupplierState s, DateTimeOffset now)
    {
        var currency = s.Currency;
        var claimed = s.Claims.Where(c => c.SubmittedAt is not null && c.Status is not (VendorClaimStatus.Cancelled or VendorClaimStatus.Draft)).ToList();
        var open = s.Claims.Where(IsOpen).ToList();
        var claimedValue = claimed.Sum(c => c.ClaimedAmount);
        var credited = claimed.Sum(c => c.CreditedAmount);
        var aging = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["0-30"] = 0, ["31-60"] = 0, ["61-90"] = 0, ["90+"] = 0 };
        foreach (var c in open)
        {
            var days = (now - c.SubmittedAt!.Value).TotalDays;
            aging[days <= 30 ? "0-30" : days <= 60 ? "31-60" : days <= 90 ? "61-90" : "90+"]++;
        }

        var used = AllowanceUsed(s, now.Year);
        return new SupplierFigures(
            new Money(claimedValue, currency), new Money(credited, currency), new Money(claimed.Sum(c => c.WrittenOffAmount), currency),
            new Money(open.Sum(c => c.OutstandingAmount), currency),
            claimedValue == 0 ? null : Math.Round(credited / claimedValue, 4, MidpointRounding.ToEven),
            s.Claims.Count(c => c.Status == VendorClaimStatus.Draft), open.Count,
            open.Count == 0 ? null : now - open.Min(c => c.SubmittedAt!.Value), aging,
            new Money(used, currency), s.AllowanceCap is { } cap ? new Money(Math.Max(0, cap - used), currency) : null);
    }

    public static VendorClaimView View(VendorClaimState c, string supplierId) =>
        new(c.ClaimId, supplierId, c.Status, new Money(c.ClaimedAmount, c.Currency), new Money(c.CreditedAmount, c.Currency),
            new Money(c.WrittenOffAmount, c.Currency),
            c.Lines.Select(l => new ClaimLineView(l.RmaId, l.LineId, l.Sku, l.Quantity, l.UnitPrice, l.ReasonCode, l.ReasonClass, l.Grade)).ToList(),
            c.OpenedAt, c.WindowClosesAt, c.SubmittedAt, c.AckDueAt, c.AckEscalatedAt, c.VendorRmaNumber, c.TrackingNumber,
            c.DisputeOpen, c.DisputeReason, c.RejectionReason, c.History.ToList(),
            c.Submission is { } sub
                ? new ClaimSubmissionView(sub.Status, sub.IdempotencyKey, sub.Attempts, sub.NextAttemptAt, sub.LastAttemptAt, sub.LastStatusCode,
                    sub.LastError, sub.DeliveredAt)
                : null);

    public static string LineKey(string rmaId, string lineId) => $"{rmaId}/{lineId}";

    private static Rejection? Submit(SupplierState s, VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "submit", VendorClaimStatus.Draft) is { } r)
        {
            return r;
        }

        if (c.Lines.Count == 0)
        {
            return Rejection.Conflict("claim.empty", "A claim without lines cannot be submitted.");
        }

        if (s.AllowanceCap is { } cap)
        {
            var used = AllowanceUsed(s, now.Year);
            if (used + c.ClaimedAmount > cap)
            {
                return Rejection.Conflict("claim.allowance_exceeded",
                    $"The claim ({c.ClaimedAmount:0.00} {c.Currency}) exceeds the supplier's remaining allowance for {now.Year} ({Math.Max(0, cap - used):0.00} of {cap:0.00}).");
            }
        }

        c.Status = VendorClaimStatus.Submitted;
        c.SubmittedAt = now;
        c.AckDueAt = now + TimeSpan.FromHours(s.AckSlaHours);
        History(c, "vendor_claim.submitted", now, a.Actor, $"Acknowledgement due {c.AckDueAt:O}.");
        ClaimSubmissions.Open(s, c, now);
        return null;
    }

    private static Rejection? Acknowledge(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "acknowledge", VendorClaimStatus.Submitted) is { } r)
        {
            return r;
        }

        if (string.IsNullOrWhiteSpace(a.Reference))
        {
            return Rejection.Invalid("claim.vendor_rma_required", "The vendor's RMA number is required.",
                new Dictionary<string, string[]> { ["reference"] = ["The vendor RMA number."] });
        }

        c.Status = VendorClaimStatus.Acknowledged;
        c.VendorRmaNumber = a.Reference.Trim();
        History(c, "vendor_claim.acknowledged", now, a.Actor, $"Vendor RMA {c.VendorRmaNumber}.");
        return null;
    }

    private static Rejection? Ship(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "ship", VendorClaimStatus.Acknowledged) is { } r)
        {
            return r;
        }

        c.Status = VendorClaimStatus.Shipped;
        c.TrackingNumber = string.IsNullOrWhiteSpace(a.Reference) ? null : a.Reference.Trim();
        History(c, "vendor_claim.shipped", now, a.Actor, c.TrackingNumber);
        return null;
    }

    private static Rejection? Credit(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        var disputedRejection = c.Status == VendorClaimStatus.Rejected && c.DisputeOpen;
        if (!disputedRejection && Illegal(c, "credit", VendorClaimStatus.Acknowledged, VendorClaimStatus.Shipped, VendorClaimStatus.PartiallyCredited) is { } r)
        {
            return r;
        }

        var amount = Money.Round(a.Amount ?? 0);
        if (amount <= 0 || amount > c.OutstandingAmount)
        {
            return Rejection.Invalid("claim.credit_amount", $"The credit must be more than 0 and at most the outstanding {c.OutstandingAmount:0.00} {c.Currency}.",
                new Dictionary<string, string[]> { ["amount"] = [$"0 < amount <= {c.OutstandingAmount:0.00}."] });
        }

        c.CreditedAmount += amount;
        c.DisputeOpen = false;
        if (c.OutstandingAmount == 0)
        {
            c.Status = VendorClaimStatus.Credited;
            c.ClosedAt = now;
        }
        else
        {
            c.Status = VendorClaimStatus.PartiallyCredited;
        }

        History(c, c.Status == VendorClaimStatus.Credited ? "vendor_claim.credited" : "vendor_claim.partially_credited", now, a.Actor,
            $"{amount:0.00} {c.Currency}{(string.IsNullOrWhiteSpace(a.Reference) ? "" : $" (credit note {a.Reference.Trim()})")}; credited {c.CreditedAmount:0.00} of {c.ClaimedAmount:0.00}.");
        return null;
    }

    private static Rejection? Reject(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "reject", VendorClaimStatus.Submitted, VendorClaimStatus.Acknowledged, VendorClaimStatus.Shipped, VendorClaimStatus.PartiallyCredited) is { } r)
        {
            return r;
        }

        c.Status = VendorClaimStatus.Rejected;
        c.RejectionReason = a.Reason;
        c.ClosedAt = now;
        History(c, "vendor_claim.rejected", now, a.Actor, a.Reason);
        return null;
    }

    private static Rejection? Dispute(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "dispute", VendorClaimStatus.Rejected, VendorClaimStatus.PartiallyCredited) is { } r)
        {
            return r;
        }

        if (c.DisputeOpen)
        {
            return Rejection.Conflict("claim.dispute_open", "A dispute is already open on this claim.");
        }

        if (string.IsNullOrWhiteSpace(a.Reason))
        {
            return Rejection.Invalid("claim.reason_required", "A dispute needs a reason.", new Dictionary<string, string[]> { ["reason"] = ["Required."] });
        }

        c.DisputeOpen = true;
        c.DisputeReason = a.Reason.Trim();
        c.ClosedAt = null;
        History(c, "vendor_claim.disputed", now, a.Actor, c.DisputeReason);
        return null;
    }

    private static Rejection? WriteOff(VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "write off", VendorClaimStatus.Submitted, VendorClaimStatus.Acknowledged, VendorClaimStatus.Shipped,
                VendorClaimStatus.PartiallyCredited, VendorClaimStatus.Rejected) is { } r)
        {
            return r;
        }

        c.WrittenOffAmount += c.OutstandingAmount;
        c.DisputeOpen = false;
        c.Status = VendorClaimStatus.WrittenOff;
        c.ClosedAt = now;
        History(c, "vendor_claim.written_off", now, a.Actor, $"{c.WrittenOffAmount:0.00} {c.Currency} written off. {a.Reason}".Trim());
        return null;
    }

    private static Rejection? Cancel(SupplierState s, VendorClaimState c, ClaimAction a, DateTimeOffset now)
    {
        if (Illegal(c, "cancel", VendorClaimStatus.Draft, VendorClaimStatus.Submitted) is { } r)
        {
            return r;
        }

        c.Status = VendorClaimStatus.Cancelled;
        c.ClosedAt = now;
        foreach (var line in c.Lines)
        {
            s.LineOwners.Remove(LineKey(line.RmaId, line.LineId));
        }

        History(c, "vendor_claim.cancelled", now, a.Actor, a.Reason);
        return null;
    }

    private static Rejection? Illegal(VendorClaimState c, string action, params VendorClaimStatus[] allowed) =>
        allowed.Contains(c.Status)
            ? null
            : Rejection.Conflict("claim.illegal_transition", $"Cannot {action} a claim that is {c.Status}; allowed from {string.Join(", ", allowed)}.");

    private static void History(VendorClaimState c, string type, DateTimeOffset now, string actor, string? detail) =>
        c.History.Add(new ClaimHistoryEntry(type, now, actor, detail));
}
