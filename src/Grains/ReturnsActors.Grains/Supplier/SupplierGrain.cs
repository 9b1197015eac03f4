using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>One supplier and its vendor claims. Returns call it once per return-to-vendor disposition (rare next to
/// warehouse traffic, so no batching), idempotently by (rma, line). The acknowledgement SLA is a durable reminder that
/// wakes the grain; each wake catches up from the deadlines in state, so a lost or doubled tick changes nothing.
/// Claim submissions to the supplier's endpoint are an outbox in the same state: <c>submit</c> writes the status and the
/// pending submission together; due attempts are handed to <see cref="ClaimSubmissionWorker"/> (one-way) and the outcome
/// comes back through <see cref="ReportSubmissionAsync"/>. The next attempt time is in state; a grain timer keeps to it
/// while active, the reminder wakes the grain after a deactivation or a silo restart.</summary>
public sealed class SupplierGrain(
    [PersistentState("supplier", StorageNames.Returns)] IPersistentState<SupplierState> state,
    TimeProvider time,
    IOptions<ClaimSubmissionOptions> submissionOptions,
    ILogger<SupplierGrain> logger) : Grain, ISupplierGrain, IRemindable
{
    public const string EscalationKind = "vendor_claim_ack_overdue";
    public const string SubmissionFailedKind = "vendor_claim_submission_failed";
    private const string ReminderName = "supplier-ack-sla";
    private static readonly TimeSpan _minReminderDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan _reminderRetryPeriod = TimeSpan.FromHours(1);

    private DateTimeOffset? _reminderDueAt;
    private bool _reminderSynced;
    private DeadlineTimer? _timer;

    private bool Exists => state.State.Registered || state.State.Claims.Count > 0;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An escalation marked in state whose task was not created yet (crash in between) is created now.
        if (state.State.Claims.Any(c => c.AckEscalatedAt is not null && !c.EscalationTaskCreated))
        {
            await CreateEscalationTasksAsync();
        }

        await CreateFailureTasksAsync();
    }

    public async Task<SupplierResult> RegisterAsync(RegisterSupplier command)
    {
        var created = !state.State.Registered;
        var secret = state.State.SigningSecret;
        if (ClaimBook.Register(state.State, command, time.GetUtcNow()) is { } rejection)
        {
            return SupplierResult.Refused(rejection);
        }

        await state.WriteStateAsync();
        await Index().AddAsync(SupplierId());
        await CreateFailureTasksAsync();
        await ScheduleAsync();
        // The secret is shown once: in the answer that created it.
        return SupplierResult.Ok(View() with { ClaimsSigningSecret = state.State.SigningSecret != secret ? state.State.SigningSecret : null }, created);
    }

    public async Task<SupplierResult> RotateClaimsSecretAsync(string newSecret, TimeSpan overlap)
    {
        var s = state.State;
        if (!Exists || s.ClaimsEndpoint is null || s.SigningSecret is null)
        {
            return SupplierResult.Refused(Rejection.Conflict("supplier.no_endpoint", "The supplier has no claims endpoint, so no signing secret."));
        }

        (s.PreviousSigningSecret, s.PreviousSecretExpiresAt, s.SigningSecret) = (s.SigningSecret, time.GetUtcNow() + overlap, newSecret);
        await state.WriteStateAsync();
        return SupplierResult.Ok(View() with { ClaimsSigningSecret = newSecret });
    }

    public async Task ReportSubmissionAsync(string claimId, int attempt, ClaimSendOutcome outcome)
    {
        if (Claim(claimId) is not { } claim)
        {
            return;
        }

        var change = ClaimSubmissions.Report(claim, SupplierId(), attempt, outcome, time.GetUtcNow(), submissionOptions.Value, Random.Shared.NextDouble());
        if (change == SubmissionChange.Ignored)
        {
            return;
        }

        await state.WriteStateAsync();
        logger.LogInformation("Claim {Claim} of supplier {Supplier}: attempt {Attempt} {Change} ({Status} {Error})",
            claimId, this.GetPrimaryKeyString(), attempt, change, outcome.StatusCode, outcome.Error);
        await CreateFailureTasksAsync();
        await ScheduleAsync();
    }

    public Task<SupplierView?> GetAsync() => Task.FromResult(Exists ? View() : null);

    public async Task<IReadOnlyList<ClaimLineOutcome>> AddClaimLinesAsync(IReadOnlyList<ClaimLineInput> lines)
    {
        var now = time.GetUtcNow();
        var owned = state.State.LineOwners.Count;
        var outcomes = lines.Select(l => ClaimBook.AddLine(state.State, SupplierId(), l, now)).ToList();
        if (state.State.LineOwners.Count != owned)
        {
            await state.WriteStateAsync();
            await Index().AddAsync(SupplierId());
        }

        return outcomes;
    }

    public Task<IReadOnlyList<VendorClaimView>> ListClaimsAsync(VendorClaimStatus? status = null) =>
        Task.FromResult<IReadOnlyList<VendorClaimView>>(state.State.Claims
            .Where(c => status is null || c.Status == status)
            .OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.ClaimId, StringComparer.Ordinal)
            .Select(c => ClaimBook.View(c, SupplierId())).ToList());

    public Task<VendorClaimView?> GetClaimAsync(string claimId) =>
        Task.FromResult(Claim(claimId) is { } c ? ClaimBook.View(c, SupplierId()) : null);

    public async Task<ClaimResult> ActAsync(string claimId, ClaimAction action)
    {
        if (Claim(claimId) is not { } claim)
        {
            return ClaimResult.Refused(Rejection.NotFound("claim.not_found", "The claim does not exist."));
        }

        var rejection = ClaimBook.Act(state.State, claim, action, time.GetUtcNow(), out var replayed);
        if (rejection is not null)
        {
            return ClaimResult.Refused(rejection);
        }

        if (!replayed)
        {
            await state.WriteStateAsync();
            await ScheduleAsync();
        }

        return ClaimResult.Ok(ClaimBook.View(claim, SupplierId()), replayed);
    }

    public async Task<IReadOnlyList<string>> CheckSlaAsync()
    {
        var escalated = ClaimBook.Escalate(state.State, time.GetUtcNow());
        if (escalated.Count > 0)
        {
            await state.WriteStateAsync();
        }

        await CreateEscalationTasksAsync();
        await CreateFailureTasksAsync();
        await ScheduleAsync();
        return escalated.Select(c => c.ClaimId).ToList();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await CheckSlaAsync();
        }
    }

    private async Task CreateEscalationTasksAsync()
    {
        var pending = state.State.Claims.Where(c => c.AckEscalatedAt is not null && !c.EscalationTaskCreated).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var tenantId = TenantId();
        var queue = GrainFactory.GetGrain<ITaskQueueGrain>($"{tenantId}/{TaskQueues.Escalations}");
        foreach (var c in pending)
        {
            // The task id is derived from the claim, so a retry finds the task it created before.
            await queue.CreateAsync(new CreateHumanTask($"claim-{c.ClaimId}-ack", EscalationKind, c.Lines.FirstOrDefault()?.RmaId ?? "",
                $"Supplier {SupplierId()} has not acknowledged claim {c.ClaimId} ({c.ClaimedAmount:0.00} {c.Currency}); due {c.AckDueAt:O}.",
                c.AckEscalatedAt!.Value));
            c.EscalationTaskCreated = true;
            logger.LogInformation("Claim {Claim} of supplier {Supplier}: acknowledgement overdue, escalated", c.ClaimId, this.GetPrimaryKeyString());
        }

        await state.WriteStateAsync();
    }

    private async Task CreateFailureTasksAsync()
    {
        var pending = state.State.Claims.Where(c => c.Submission is { Status: ClaimSubmissionStatus.Failed, FailureTaskCreated: false }).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var queue = GrainFactory.GetGrain<ITaskQueueGrain>($"{TenantId()}/{TaskQueues.Exceptions}");
        foreach (var c in pending)
        {
            var sub = c.Submission!;
            // One task per failure, named by the failure count, so a retry finds the task it created before.
            await queue.CreateAsync(new CreateHumanTask($"claim-{c.ClaimId}-submission-{sub.Failures}", SubmissionFailedKind, c.Lines.FirstOrDefault()?.RmaId ?? "",
                $"Claim {c.ClaimId} ({c.ClaimedAmount:0.00} {c.Currency}) could not be submitted to supplier {SupplierId()} after {sub.Attempts} attempt(s): {sub.LastError}. Fix it and resubmit.",
                sub.LastAttemptAt ?? time.GetUtcNow()));
            sub.FailureTaskCreated = true;
        }

        await state.WriteStateAsync();
    }

    /// <summary>Hands due submissions to the worker (one-way) and leases them, so they are not sent twice while the answer is out.</summary>
    private void DispatchDue()
    {
        var s = state.State;
        var now = time.GetUtcNow();
        if (s.ClaimsEndpoint is null || s.SigningSecret is null)
        {
            return;
        }

        var secrets = s.PreviousSigningSecret is { } previous && s.PreviousSecretExpiresAt > now ? new[] { s.SigningSecret, previous } : [s.SigningSecret];
        foreach (var c in ClaimSubmissions.Due(s, now))
        {
            var sub = c.Submission!;
            // Not written: after a crash the attempt is simply due again.
            sub.NextAttemptAt = now + submissionOptions.Value.AttemptLease;
            GrainFactory.GetGrain<IClaimSubmissionWorker>(0).SendAsync(new ClaimDelivery(this.GetPrimaryKeyString(), c.ClaimId, sub.Attempts + 1,
                s.ClaimsEndpoint, secrets, sub.IdempotencyKey, ClaimSubmissions.Document(c, TenantId(), SupplierId()))).Ignore();
        }
    }

    private void ArmTimer() =>
        (_timer ??= new DeadlineTimer(this, ScheduleAsync)).Arm(ClaimSubmissions.NextAttempt(state.State), time.GetUtcNow(), _reminderRetryPeriod);

    private async Task ScheduleAsync()
    {
        DispatchDue();
        ArmTimer();
        // While a submission is pending the reminder ticks every minute (registered once, not per attempt), so a silo
        // restart resumes delivery within a minute; otherwise it is due at the next acknowledgement deadline.
        var pending = ClaimSubmissions.NextAttempt(state.State) is not null;
        var next = pending ? DateTimeOffset.MinValue : ClaimBook.NextAckDue(state.State);
        // After (re)activation the registered reminder is unknown, so reconcile once before trusting the cache.
        if (_reminderSynced && next == _reminderDueAt)
        {
            return;
        }

        if (next is null)
        {
            if (await this.GetReminder(ReminderName) is { } existing)
            {
                await this.UnregisterReminder(existing);
            }
        }
        else
        {
            var delay = next.Value - time.GetUtcNow();
            // The hourly period is a safety net: a lost tick is retried, and the catch-up is idempotent.
            await this.RegisterOrUpdateReminder(ReminderName, delay < _minReminderDelay ? _minReminderDelay : delay,
                pending ? _minReminderDelay : _reminderRetryPeriod);
        }

        _reminderDueAt = next;
        _reminderSynced = true;
    }

    private ISupplierIndexGrain Index() => GrainFactory.GetGrain<ISupplierIndexGrain>(TenantId());

    private VendorClaimState? Claim(string claimId) => state.State.Claims.FirstOrDefault(c => c.ClaimId == claimId);

    private SupplierView View()
    {
        var s = state.State;
        return new SupplierView(TenantId(), SupplierId(), s.Name, s.Currency, s.AllowanceCap, s.ConsolidationWindowDays, s.AckSlaHours,
            ClaimBook.Figures(s, time.GetUtcNow()), s.ClaimsEndpoint);
    }

    private string TenantId()
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/');
        return slash <= 0 ? "" : key[..slash];
    }

    private string SupplierId()
    {
        var key = this.GetPrimaryKeyString();
        return key[(key.IndexOf('/') + 1)..];
    }
}
