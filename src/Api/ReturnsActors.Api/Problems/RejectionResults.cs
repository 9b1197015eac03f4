using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ReturnsActors.Grains;

namespace ReturnsActors.Api.Problems;

/// <summary>Turns a typed grain refusal into an RFC 9457 problem: 422 invalid, 409 conflict, 404 not found.</summary>
internal static class RejectionResults
{
    public static ProblemHttpResult ToProblem(this Rejection rejection)
    {
        var status = rejection.Kind switch
        {
            RejectionKind.Conflict => StatusCodes.Status409Conflict,
            RejectionKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        var extensions = new Dictionary<string, object?> { ["code"] = rejection.Code };
        if (rejection.Errors is { Count: > 0 } errors)
        {
            extensions["errors"] = errors;
        }

        return TypedResults.Problem(detail: rejection.Detail, statusCode: status, title: Title(status), extensions: extensions);
    }

    /// <summary>A step the permission table does not give the caller: 403, naming the action.</summary>
    public static ProblemHttpResult Forbidden(this Auth.PermissionDenied denied) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: denied.Detail,
            extensions: new Dictionary<string, object?> { ["code"] = Auth.PermissionDenied.Code, ["action"] = denied.Action });

    public static ProblemHttpResult Invalid(string field, string message) =>
        Rejection.Invalid("validation", message, new Dictionary<string, string[]> { [field] = [message] }).ToProblem();

    private static string Title(int status) => status switch
    {
        StatusCodes.Status409Conflict => "The request conflicts with the current state.",
        StatusCodes.Status404NotFound => "Not found.",
        _ => "The request is not valid.",
    };
}
