using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class ReceivingDecisions
{
    [Fact]
    public void GivenADeliveredReturn_WhenAnotherSerialArrives_ThenItIsReceivedWithASerialMismatchTask()
    {
        var given = Given(Requested(null, HeadphonesLine), Authorization("L2"), new ShipmentDelivered(null, false, RmaStatus.Delivered));

        Then(When(given, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L2", 1, [" SN-X "])], Final: true, Warehouse: "WH-1")),
            new ReceiptRecorded("WH-1", null, true, true, RmaStatus.Received, [new ReceiptLine("L2", 1, ["SN-X"], false, LineReceipt.Received, 1, true)]),
            Task(5, TaskQueues.InspectionException, TaskQueues.KindSerialMismatch, "Line L2: serial numbers SN-X do not match SN-1."));
    }

    [Fact]
    public void GivenAPartlyReceivedReturn_WhenTheFinalReceiptBringsNothing_ThenTheLineIsShortShipped()
    {
        var given = Given(Requested(), Authorization(),
            new ReceiptRecorded(null, null, false, true, RmaStatus.PartiallyReceived, [new ReceiptLine("L1", 1, [], false, LineReceipt.Pending, 1, false)]));

        Then(When(given, new RecordReceipt(NewId(), "warehouse:w1", [], Final: true)),
            new ReceiptRecorded(null, null, true, false, RmaStatus.Received, [new ReceiptLine("L1", 0, null, null, LineReceipt.ShortShipped, 1, null)]));
    }

    [Fact]
    public void GivenAnAuthorizedReturn_WhenMoreArrivesThanWasReturned_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 3)]), "receipt.invalid");

    [Fact]
    public void GivenAReturnUnderReview_WhenGoodsArrive_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), new ReturnFlagged("x", "review")), new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 1)]),
            "rma.illegal_transition");
}
