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
