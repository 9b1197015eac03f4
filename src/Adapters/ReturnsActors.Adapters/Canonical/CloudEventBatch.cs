using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace ReturnsActors.Adapters.Canonical;

/// <summary>One entry of a batch: its position, its own raw text (what a dead letter keeps), and the event or why it did not parse.</summary>
public sealed record BatchEntry(int Index, string Raw, CloudEvent? Event, string? Error);

/// <summary>Reads a batch of CloudEvents 1.0 (structured JSON): NDJSON, one event a line, or a JSON array.
/// Each entry is decoded on its own so one malformed event does not sink the others.</summary>
public static class CloudEventBatch
{
    public const string NdJson = "application/x-ndjson";
    public const string Batch = "application/cloudevents-batch+json";

    private static readonly JsonEventFormatter _formatter = new();

    public static bool IsNdJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith(NdJson, StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/jsonl", StringComparison.OrdinalIgnoreCase));

    public static bool IsJsonArray(string? contentType) =>
        contentType is not null && (contentType.StartsWith(Batch, StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith(MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entries of an NDJSON body (blank lines skipped), at most <paramref name="max"/> + 1 so an oversized batch is known without reading it all.</summary>
    public static IReadOnlyList<BatchEntry> ReadNdJson(string body, int max)
    {
        var entries = new List<BatchEntry>();
        foreach (var line in body.Split('\n'))
        {
            var raw = line.TrimEnd('\r');
            if (raw.Trim().Length == 0)
            {
                continue;
            }

            entries.Add(Decode(entries.Count, raw));
            if (entries.Count > max)
            {
                break;
            }
        }

        return entries;
    }

    /// <summary>The entries of a JSON array body; null with <paramref name="error"/> when the body is not a JSON array at all.</summary>
    public static IReadOnlyList<BatchEntry>? ReadArray(string body, int max, out string? error)
    {
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            error = $"The body is not valid JSON: {ex.Message}";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = "The body must be a JSON array of CloudEvents (or NDJSON, one event a line, as application/x-ndjson).";
                return null;
            }

            var entries = new List<BatchEntry>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                entries.Add(Decode(entries.Count, element.GetRawText()));
                if (entries.Count > max)
                {
                    break;
                }
            }

            return entries;
        }
    }

    /// <summary>Decodes one structured-mode CloudEvent.</summary>
    public static BatchEntry Decode(int index, string raw)
    {
        try
        {
            var cloudEvent = _formatter.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(raw), new ContentType("application/cloudevents+json"), null);
            return cloudEvent.IsValid
                ? new BatchEntry(index, raw, cloudEvent, null)
                : new BatchEntry(index, raw, null, "The CloudEvent lacks a required attribute (specversion, id, source, type).");
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            return new BatchEntry(index, raw, null, $"Not a CloudEvents 1.0 JSON event: {ex.Message}");
        }
    }

    /// <summary>The event's data as JSON, whatever form the formatter gave it.</summary>
    public static JsonElement? DataAsJson(CloudEvent cloudEvent) => cloudEvent.Data switch
    {
        null => null,
        JsonElement element => element,
        string text => JsonDocument.Parse(text).RootElement.Clone(),
        byte[] bytes => JsonDocument.Parse(bytes).RootElement.Clone(),
        _ => throw new MappingException("The data is not JSON."),
    };

    /// <summary>Maps a decoded canonical event to its command: the CloudEvent id is the command id.</summary>
    public static MapResult Map(CloudEvent cloudEvent)
    {
        JsonElement? data;
        try
        {
            data = DataAsJson(cloudEvent);
        }
        catch (Exception ex) when (ex is JsonException or MappingException)
        {
            return MapResult.Fail("event.data", $"The data is not JSON: {ex.Message}");
        }

        return CanonicalMapper.Map(cloudEvent.Type!, cloudEvent.Subject, cloudEvent.Id!, $"source:{cloudEvent.Source}", data, cloudEvent.Time);
    }
}
