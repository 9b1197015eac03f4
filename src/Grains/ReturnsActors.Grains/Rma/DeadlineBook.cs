namespace ReturnsActors.Grains.Rma;

/// <summary>How a return's stage deadlines start and complete; one definition for the state machine and the read-model fold.</summary>
internal static class DeadlineBook
{
    /// <summary>Starts the stage's deadline at <paramref name="now"/>, unless one of the stage is still open.</summary>
    public static void Start(List<DeadlineState> deadlines, string stage, DateTimeOffset now, int hours, int warningPercent)
    {
        if (deadlines.Any(d => d.Stage == stage && d.CompletedAt is null))
        {
            return;
        }

        var allowance = TimeSpan.FromHours(hours);
        deadlines.Add(new DeadlineState
        {
            Stage = stage,
            StartedAt = now,
            WarnAt = now + allowance * (warningPercent / 100.0),
            DueAt = now + allowance,
        });
    }

    /// <summary>Completes the open deadlines of <paramref name="stage"/>, or every open deadline when it is null.</summary>
    public static void Complete(List<DeadlineState> deadlines, string? stage, DateTimeOffset now)
    {
        foreach (var d in deadlines.Where(d => (stage is null || d.Stage == stage) && d.CompletedAt is null))
        {
            d.CompletedAt = now;
        }
    }

    public static DeadlineView ToView(DeadlineState d) => new(d.Stage, d.StartedAt, d.DueAt, d.WarnedAt, d.BreachedAt, d.CompletedAt);
}
