namespace ReturnsActors.Grains;

/// <summary>Reminders are coarse (at least a minute, and the reminder service ticks late); while a grain is active, this
/// one-shot grain timer runs the grain's catch-up at its next deadline when that falls within the reminder period.</summary>
internal sealed class DeadlineTimer(IGrainBase grain, Func<Task> onDue)
{
    private IGrainTimer? _timer;
    private DateTimeOffset? _dueAt;

    /// <summary>Sets the timer to <paramref name="next"/>, or stops it when there is none or it is beyond <paramref name="horizon"/>.</summary>
    public void Arm(DateTimeOffset? next, DateTimeOffset now, TimeSpan horizon)
    {
        if (next is not { } due || due - now >= horizon)
        {
            Disarm();
            return;
        }

        if (_timer is not null && _dueAt == due)
        {
            return;
        }

        Disarm();
        _dueAt = due;
        _timer = grain.RegisterGrainTimer(static (timer, _) => timer.FireAsync(), this,
            new GrainTimerCreationOptions(due > now ? due - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    private void Disarm()
    {
        _timer?.Dispose();
        _timer = null;
        _dueAt = null;
    }

    private Task FireAsync()
    {
        Disarm();
        return onDue();
    }
}
