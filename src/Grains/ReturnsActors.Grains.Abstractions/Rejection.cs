using System.Text.Json.Serialization;

namespace ReturnsActors.Grains;

/// <summary>Why a command was refused. The API answers <see cref="RejectionKind.Conflict"/> with 409,
/// <see cref="RejectionKind.Invalid"/> with 422 and <see cref="RejectionKind.NotFound"/> with 404.</summary>
[GenerateSerializer, Immutable, Alias("ra.Rejection")]
public sealed record Rejection(
    [property: Id(0)] RejectionKind Kind,
    [property: Id(1)] string Code,
    [property: Id(2)] string Detail,
    [property: Id(3)] IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static Rejection Conflict(string code, string detail) => new(RejectionKind.Conflict, code, detail);
    public static Rejection Invalid(string code, string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(RejectionKind.Invalid, code, detail, errors);
    public static Rejection NotFound(string code, string detail) => new(RejectionKind.NotFound, code, detail);
}

/// <summary>The class of a refusal.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<RejectionKind>))]
public enum RejectionKind
{
    Invalid = 0,
    Conflict = 1,
    NotFound = 2,
}

/// <summary>A return that cannot take the call right now. <see cref="Retryable"/>: its event log could not be written or another
/// writer appended first (nothing of the command was recorded; retry, with the same Idempotency-Key); the API answers 503 with
/// Retry-After. Not retryable: the return is quarantined, its log holds an event it cannot read; the API answers 409 and an
/// operator repairs the log (<c>verify</c> names the event).</summary>
[GenerateSerializer, Alias("ra.RmaUnavailableException")]
public sealed class RmaUnavailableException : Exception
{
    public RmaUnavailableException(string code, string message, bool retryable, Exception? inner = null) : base(message, inner)
    {
        Code = code;
        Retryable = retryable;
    }

    [Id(0)] public string Code { get; }

    [Id(1)] public bool Retryable { get; }

    public const string Quarantined = "rma.quarantined";
    public const string LogUnavailable = "rma.log_unavailable";
    public const string WriteConflict = "rma.write_conflict";
}
