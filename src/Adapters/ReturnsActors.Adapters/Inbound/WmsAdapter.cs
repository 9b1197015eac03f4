using System.Globalization;
using System.Text.Json;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Adapters.Inbound;

/// <summary>Warehouse receipts and inspections, as JSON
/// (<c>{"eventId", "type": "receipt|inspection", "rmaId", "warehouse", "final", "lines": [{"lineId", "quantity", "serialNumbers", "wrongItem", "grade", "conditionNotes"}]}</c>)
/// or, for warehouses without an API, a CSV upload (<c>text/csv</c>, header
/// <c>event_id,rma_id,type,line_id,quantity,grade,final,warehouse,notes</c>; rows of one <c>event_id</c> form one receipt or inspection).
/// Signed like the generic carrier event (<c>X-RA-Signature</c> / <c>X-RA-Timestamp</c>).</summary>
public sealed class WmsAdapter : IPartnerAdapter
{
    private static readonly string[] _csvColumns = ["event_id", "rma_id", "type", "line_id", "quantity", "grade", "final", "warehouse", "notes"];
    private readonly GenericCarrierAdapter _signing = new();

    public string Name => "wms";

    public IReadOnlyList<string> SignificantHeaders { get; } = [GenericCarrierAdapter.SignatureHeader, GenericCarrierAdapter.TimestampHeader];

    public SignatureCheck Verify(Func<string, string?> header, byte[] body, string secret, DateTimeOffset now, TimeSpan tolerance) =>
        _signing.Verify(header, body, secret, now, tolerance);

    public MapResult Map(string body, string? contentType, IReadOnlyDictionary<string, string> headers) =>
        contentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true ? MapCsv(body) : MapJson(body);

    private static MapResult MapJson(string body)
    {
        WmsEvent? e;
        try
        {
            e = JsonSerializer.Deserialize<WmsEvent>(body, CanonicalMapper.Json);
        }
        catch (JsonException ex)
        {
            return MapResult.Fail("payload.json", $"The body is not valid JSON: {ex.Message}");
        }

        if (e?.EventId is not { Length: > 0 } || e.RmaId is not { Length: > 0 } rmaId || !CanonicalMapper.IsValidRmaId(rmaId))
        {
            return MapResult.Fail("payload.fields", "eventId and rmaId are required.");
        }

        return Command(e.EventId, rmaId, e.Type, e.Warehouse, e.Final, e.Lines ?? []);
    }

    private static MapResult MapCsv(string body)
    {
        var rows = body.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (rows.Count < 2 || !rows[0].Split(',').Select(c => c.Trim().ToLowerInvariant()).SequenceEqual(_csvColumns))
        {
            return MapResult.Fail("payload.csv", $"The CSV needs the header '{string.Join(',', _csvColumns)}' and at least one row.");
        }

        var events = new List<(string EventId, string RmaId, string Type, string? Warehouse, bool Final, List<WmsLine> Lines)>();
        for (var i = 1; i < rows.Count; i++)
        {
            var cells = rows[i].Split(',');
            if (cells.Length != _csvColumns.Length)
            {
                return MapResult.Fail("payload.csv", $"Row {i + 1} has {cells.Length} cells; {_csvColumns.Length} expected.");
            }

            if (!int.TryParse(cells[4], NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) && cells[2] == "receipt")
            {
                return MapResult.Fail("payload.csv", $"Row {i + 1}: quantity '{cells[4]}' is not a whole number.");
            }

            ItemGrade? grade = Enum.TryParse<ItemGrade>(cells[5], ignoreCase: true, out var g) ? g : null;
            var line = new WmsLine(cells[3], quantity, null, false, grade, cells[8].Length == 0 ? null : cells[8]);
            var index = events.FindIndex(e => e.EventId == cells[0]);
            if (index < 0)
            {
                events.Add((cells[0], cells[1], cells[2], cells[7].Length == 0 ? null : cells[7], cells[6] is "true" or "1", [line]));
            }
            else
            {
                events[index].Lines.Add(line);
            }
        }

        var commands = new List<MappedCommand>();
        foreach (var e in events)
        {
            if (!CanonicalMapper.IsValidRmaId(e.RmaId) || e.EventId.Length == 0)
            {
                return MapResult.Fail("payload.csv", $"Event '{e.EventId}': event_id and a valid rma_id are required.");
            }

            var mapped = Command(e.EventId, e.RmaId, e.Type, e.Warehouse, e.Final, e.Lines);
            if (mapped.Failed)
            {
                return mapped;
            }

            commands.AddRange(mapped.Commands);
        }

        return new MapResult(commands);
    }

    private static MapResult Command(string eventId, string rmaId, string? type, string? warehouse, bool final, IReadOnlyList<WmsLine> lines)
    {
        var id = $"wms:{eventId}";
        const string actor = "warehouse:wms";
        try
        {
            return type switch
            {
                "receipt" => MapResult.One(new MappedCommand(rmaId, id, CanonicalMapper.Receipt(
                    new CanonicalMapper.ReceiptData([.. lines.Select(l => new CanonicalMapper.ReceivedLineData(l.LineId, l.Quantity, l.SerialNumbers, l.WrongItem))], final, warehouse), id, actor))),
                "inspection" => MapResult.One(new MappedCommand(rmaId, id, CanonicalMapper.Inspection(
                    new CanonicalMapper.InspectionData([.. lines.Select(l => new CanonicalMapper.InspectedLineData(l.LineId, l.Grade, l.ConditionNotes, null))]), id, actor))),
                _ => MapResult.Fail("payload.type", $"Event '{eventId}': type must be receipt or inspection, not '{type}'."),
            };
        }
        catch (MappingException ex)
        {
            return MapResult.Fail("payload.lines", $"Event '{eventId}': {ex.Message}");
        }
    }

    private sealed record WmsLine(string? LineId, int Quantity, List<string>? SerialNumbers, bool WrongItem, ItemGrade? Grade, string? ConditionNotes);

    private sealed record WmsEvent(string? EventId, string? Type, string? RmaId, string? Warehouse, bool Final, List<WmsLine>? Lines);
}
