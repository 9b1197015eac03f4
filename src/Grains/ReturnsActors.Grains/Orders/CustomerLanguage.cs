using System.Text.RegularExpressions;

namespace ReturnsActors.Grains.Orders;

/// <summary>Language tags (<c>de</c>, <c>en-GB</c>) of customers and notification templates, and the order in which a customer's
/// mail looks for a template.</summary>
public static partial class CustomerLanguage
{
    /// <summary>The last resort of every chain: the built-in templates exist in <c>en</c> for every milestone.</summary>
    public const string Final = "en";

    /// <summary>A well-formed tag: a 2-3 letter language and up to three subtags.</summary>
    public static bool IsTag(string? tag) => tag is not null && Tag().IsMatch(tag);

    /// <summary>Tags compare case-insensitively; they are stored and looked up in lower case.</summary>
    public static string Normalize(string tag) => tag.Trim().ToLowerInvariant();

    /// <summary>The customer's exact tag (<c>de-at</c>) and each shorter prefix of it down to the base language (<c>de</c>), the same for
    /// the tenant's default language, then <c>en</c>; malformed or missing tags are left out, and each tag appears once.</summary>
    public static IReadOnlyList<string> Chain(string? customerLanguage, string? tenantDefault)
    {
        var chain = new List<string>();
        foreach (var language in new[] { customerLanguage, tenantDefault })
        {
            if (IsTag(language?.Trim()))
            {
                var tag = Normalize(language!);
                for (var cut = tag.Length; cut > 0; cut = tag.LastIndexOf('-', cut - 1))
                {
                    chain.Add(tag[..cut]);
                }
            }
        }

        chain.Add(Final);
        return chain.Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")]
    private static partial Regex Tag();
}
