using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.ClusterTests;

/// <summary>Steps and checks shared by the return path tests.</summary>
internal static class RmaSteps
{
    public static string Id() => Guid.NewGuid().ToString("N");

    public static RmaView Ok(RmaResult result)
    {
        Assert.True(result.Rejection is null, $"refused: {result.Rejection?.Code} {result.Rejection?.Detail}");
        return result.Rma!;
    }

    public static HumanTaskView Ok(HumanTaskResult result)
    {
        Assert.True(result.Rejection is null, $"refused: {result.Rejection?.Code} {result.Rejection?.Detail}");
        return result.Task!;
    }

    /// <summary>The audit chain verifies and the events in state are numbered 1..N without a gap.</summary>
    public static async Task<IReadOnlyList<RmaEvent>> AssertAuditIntactAsync(IRmaGrain rma)
    {
        var verification = await rma.VerifyAsync();
        var events = await rma.GetEventsAsync();
        Assert.True(verification.Valid, $"chain broken at seq {verification.FirstBrokenSeq}");
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(events.Count, verification.CheckedThroughSeq);
        Assert.Equal(events[^1].Seq, (await rma.GetAsync())!.Version);
        return events;
    }

    /// <summary>Label, carrier pick-up and delivery to the warehouse.</summary>
    public static async Task ShipAsync(IRmaGrain rma)
    {
        Ok(await rma.RecordLabelAsync(new RecordLabel(Id(), "agent:a", "ups", "1Z999")));
        Ok(await rma.RecordCarrierEventAsync(new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.InTransit)));
        Ok(await rma.RecordCarrierEventAsync(new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.Delivered)));
    }

    /// <summary>Ships, receives every unit of line L1, inspects it with <paramref name="grade"/> and dispositions by policy.</summary>
    public static async Task<RmaView> ReceiveAndDispositionAsync(IRmaGrain rma, int units, ItemGrade grade = ItemGrade.A)
    {
        await ShipAsync(rma);
        Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w1", [new ReceivedLine("L1", units)], Final: true)));
        Ok(await rma.RecordInspectionAsync(new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", grade)])));
        return Ok(await rma.DispositionAsync(new DispositionRma(Id(), "inspector:i")));
    }
}
