using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Receiving decisions: what a dock received, and the exceptions it raises (wrong item, serial mismatch or missing).</summary>
internal static class Receiving
{
    public static Rejection? Decide(RmaTx tx, RecordReceipt c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "receive", RmaStatus.Authorized, RmaStatus.AwaitingShipment, RmaStatus.InTransit, RmaStatus.Delivered, RmaStatus.PartiallyReceived) is { } r)
        {
            return r;
        }

        var errors = new Dictionary<string, string[]>();
        var input = c.Lines ?? [];
        for (var i = 0; i < input.Count; i++)
        {
            var line = s.Lines.FirstOrDefault(l => l.LineId == input[i].LineId);
            if (line is null || line.Acceptance != LineAcceptance.Accepted)
            {
                errors[$"lines[{i}].lineId"] = ["No accepted line with this id."];
            }
            else if (input[i].Quantity < 0 || (!input[i].WrongItem && line.QuantityReceived + input[i].Quantity > line.Quantity))
            {
                errors[$"lines[{i}].quantity"] = [$"Must be 0 to {line.Quantity - line.QuantityReceived}."];
            }
            else if (input.Take(i).Any(o => o.LineId == input[i].LineId))
            {
                errors[$"lines[{i}].lineId"] = ["The line appears twice."];
            }
        }

        if (input.Count == 0 && !c.Final)
        {
            errors["lines"] = ["At least one line, or final = true."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("receipt.invalid", "The receipt does not match the return.", errors);
        }

        // The first receipt at which anything arrived: the customer is told once that the goods are in (partial receipts follow).
        var firstArrival = input.Any(i => i.Quantity > 0) && s.Lines.All(l => l.QuantityReceived == 0 && l.Receipt != LineReceipt.WrongItem);
        var results = new List<ReceiptLine>();
        var exceptions = new List<(string Kind, string Reason)>();
        var after = s.Lines.ToDictionary(l => l.LineId, l => (l.Receipt, l.QuantityReceived));
        foreach (var item in input)
        {
            var line = s.Lines.First(l => l.LineId == item.LineId);
            var serials = (item.SerialNumbers ?? []).Where(sn => !string.IsNullOrWhiteSpace(sn)).Select(sn => sn.Trim()).ToList();
            var received = line.QuantityReceived + (item.WrongItem ? 0 : item.Quantity);
            var receipt = item.WrongItem ? LineReceipt.WrongItem : received == line.Quantity ? LineReceipt.Received : line.Receipt;
            var mismatch = line.SerialMismatch;
            if (item.WrongItem)
            {
                exceptions.Add((TaskQueues.KindWrongItem, $"Line {line.LineId}: a different item arrived."));
            }

            if (!item.WrongItem && line.SerialNumbers.Count > 0 && serials.Any(sn => !line.SerialNumbers.Contains(sn)))
            {
                mismatch = true;
                exceptions.Add((TaskQueues.KindSerialMismatch, $"Line {line.LineId}: serial numbers {string.Join(", ", serials)} do not match {string.Join(", ", line.SerialNumbers)}."));
            }
            else if (!item.WrongItem && line.SerialNumbers.Count > 0 && serials.Count < item.Quantity)
            {
                // A serial-tracked unit that arrives without its serial cannot be told from a swapped one.
                mismatch = true;
                exceptions.Add((TaskQueues.KindSerialMissing, $"Line {line.LineId}: {item.Quantity} unit(s) arrived with {serials.Count} serial number(s); expected {string.Join(", ", line.SerialNumbers)}."));
            }

            after[line.LineId] = (receipt, received);
            results.Add(new ReceiptLine(line.LineId, item.Quantity, serials, item.WrongItem, receipt, received, mismatch));
        }

        if (c.Final)
        {
            foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && after[l.LineId].Receipt == LineReceipt.Pending))
            {
                var (_, received) = after[line.LineId];
                var receipt = received > 0 ? LineReceipt.ShortShipped : LineReceipt.NotReceived;
                after[line.LineId] = (receipt, received);
                results.Add(new ReceiptLine(line.LineId, 0, null, null, receipt, received, null));
            }
        }

        var complete = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).All(l => after[l.LineId].Receipt != LineReceipt.Pending);

        // Goods of a routed return that arrive at another dock belong to that dock's figures from now on.
        var previousWarehouse = s.WarehouseId is not null && !string.IsNullOrWhiteSpace(c.Warehouse) && c.Warehouse.Trim() != s.WarehouseId
            ? s.WarehouseId
            : null;
        tx.Raise(new ReceiptRecorded(c.Warehouse, previousWarehouse, c.Final, firstArrival, complete ? RmaStatus.Received : RmaStatus.PartiallyReceived, results));
        foreach (var (kind, reason) in exceptions)
        {
            tx.CreateTask(TaskQueues.InspectionException, kind, reason, [$"receipt.{kind}"]);
        }

        return null;
    }
}
