namespace ReturnsActors.Silo.Observability;

/// <summary>The operations page at <c>/ops</c>: three files embedded in the silo (no CDN, no build step). The page
/// itself is public; every number on it comes from the API with the API key the operator enters.</summary>
internal static class OpsPage
{
    private static readonly (string Path, string Resource, string ContentType)[] _files =
    [
        ("/ops", "index.html", "text/html; charset=utf-8"),
        ("/ops/ops.css", "ops.css", "text/css; charset=utf-8"),
        ("/ops/ops.js", "ops.js", "text/javascript; charset=utf-8"),
    ];

    public static IEndpointRouteBuilder MapOpsPage(this IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in _files)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(bytes, contentType);
            }).ExcludeFromDescription();
        }

        return app;
    }

    private static byte[] Read(string name)
    {
        var assembly = typeof(OpsPage).Assembly;
        using var stream = assembly.GetManifestResourceStream($"ops/{name}")
            ?? throw new InvalidOperationException($"The ops page asset {name} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
