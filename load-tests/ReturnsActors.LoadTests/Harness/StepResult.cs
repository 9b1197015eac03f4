namespace ReturnsActors.LoadTests.Harness;

/// <summary>The outcome of one step invocation.</summary>
/// <param name="IsOk">Whether the step succeeded.</param>
/// <param name="StatusCode">An optional status code (an HTTP status, "timeout", "dropped", ...).</param>
/// <param name="SizeBytes">Bytes transferred by the step, counted in the statistics.</param>
/// <param name="Message">An optional short failure message; the report counts up to 20 distinct ones.</param>
public readonly record struct StepResult(bool IsOk, string? StatusCode = null, long SizeBytes = 0, string? Message = null)
{
    /// <summary>Status given to open-model requests that could not start because the concurrency cap was reached.</summary>
    public const string DroppedStatus = "dropped";

    public static StepResult Ok(string? statusCode = null, long sizeBytes = 0) => new(true, statusCode, sizeBytes);

    public static StepResult Fail(string? statusCode = null, long sizeBytes = 0, string? message = null) =>
        new(false, statusCode, sizeBytes, message);
}
