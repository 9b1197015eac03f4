using System.Collections.Frozen;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReturnsActors.Grains.Rma.Events;

/// <summary>The payload of one RMA event: a sealed record with its stable wire name in a <c>public const string WireName</c>.
/// The wire name is the webhook contract; it is never renamed, and the record's JSON fields are never renamed or removed.</summary>
public interface IRmaEventData;

/// <summary>An event whose type this build does not know (written by a newer build, or a retired type), or whose payload does
/// not read; kept as it was stored so nothing is lost.</summary>
/// <param name="Type">The wire name as stored.</param>
/// <param name="DataJson">The payload as stored.</param>
[GenerateSerializer, Immutable, Alias("ra.ev.UnknownRmaEvent")]
public sealed record UnknownRmaEvent([property: Id(0)] string Type, [property: Id(1)] string DataJson) : IRmaEventData;

/// <summary>The one serializer of RMA event payloads: wire name ⇄ record type, record ⇄ the exact JSON text the hash chain
/// covers. Nothing else reads or writes event JSON.</summary>
public static class RmaEventCatalog
{
    /// <summary>How payloads are written: camelCase, snake_case enum names, no nulls, non-ASCII unescaped.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly FrozenDictionary<Type, string> _names = typeof(IRmaEventData).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRmaEventData).IsAssignableFrom(t) && t != typeof(UnknownRmaEvent))
        .ToFrozenDictionary(t => t, WireNameField);

    private static readonly FrozenDictionary<string, Type> _types = _names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every known wire name.</summary>
    public static IReadOnlyCollection<string> WireNames => _types.Keys;

    /// <summary>Every known payload type.</summary>
    public static IReadOnlyCollection<Type> Types => _names.Keys;

    /// <summary>The wire name of a payload.</summary>
    public static string WireNameOf(IRmaEventData data) =>
        data is UnknownRmaEvent unknown ? unknown.Type
        : _names.TryGetValue(data.GetType(), out var name) ? name
        : throw new ArgumentException($"{data.GetType().Name} is not an RMA event type.", nameof(data));

    /// <summary>The payload type of a wire name, or null when it is not known.</summary>
    public static Type? TypeOf(string wireName) => _types.GetValueOrDefault(wireName);

    /// <summary>Whether the wire name is one this build knows.</summary>
    public static bool IsKnown(string wireName) => _types.ContainsKey(wireName);

    /// <summary>The wire name and the JSON text of a payload.</summary>
    public static (string Type, string Json) Serialize(IRmaEventData data) =>
        data is UnknownRmaEvent unknown ? (unknown.Type, unknown.DataJson) : (WireNameOf(data), JsonSerializer.Serialize(data, data.GetType(), Json));

    /// <summary>The typed payload of a stored event; an unknown type or unreadable payload is an <see cref="UnknownRmaEvent"/>.</summary>
    public static IRmaEventData Deserialize(RmaEvent e) => Deserialize(e.Type, e.DataJson);

    /// <summary>The typed payload of <paramref name="type"/> and <paramref name="dataJson"/>; never throws for stored data.</summary>
    public static IRmaEventData Deserialize(string type, string dataJson)
    {
        if (!_types.TryGetValue(type, out var clr) || string.IsNullOrEmpty(dataJson))
        {
            return new UnknownRmaEvent(type, dataJson);
        }

        try
        {
            return JsonSerializer.Deserialize(dataJson, clr, Json) as IRmaEventData ?? new UnknownRmaEvent(type, dataJson);
        }
        catch (JsonException)
        {
            return new UnknownRmaEvent(type, dataJson);
        }
    }

    /// <summary>The payload's top-level text and number fields as they are on the wire (name → text), for message templates.</summary>
    public static IReadOnlyDictionary<string, string> ScalarFields(IRmaEventData data)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement root;
        try
        {
            root = data is UnknownRmaEvent unknown
                ? JsonDocument.Parse(string.IsNullOrEmpty(unknown.DataJson) ? "{}" : unknown.DataJson).RootElement
                : JsonSerializer.SerializeToElement(data, data.GetType(), Json);
        }
        catch (JsonException)
        {
            return values;
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    values.TryAdd(property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
                }
            }
        }

        return values;
    }

    private static string WireNameField(Type t) =>
        t.GetField("WireName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } f && f.GetRawConstantValue() is string { Length: > 0 } name
            ? name
            : throw new InvalidOperationException($"RMA event type {t.Name} declares no 'public const string WireName'.");
}
