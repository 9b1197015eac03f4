using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class ShippingDecisions
{
    [Fact]
    public void GivenAnAuthorizedReturn_WhenALabelIsRecorded_ThenItIsCreatedTrimmed() =>
        Then(When(Given(Requested(), Authorization()), new RecordLabel(NewId(), "agent:a", " ups ", " 1Z999 ")), new LabelCreated("ups", "1Z999", null));

    [Fact]
    public void GivenAnAuthorizedReturn_WhenALabelHasNoTrackingNumber_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new RecordLabel(NewId(), "agent:a", "ups", ""), "trackingNumber.required");

    [Fact]
    public void GivenADeliveredReturn_WhenALateInTransitArrives_ThenItIsStaleAndTheReturnStaysDelivered()
    {
        var at = T0.AddHours(5);
        var given = Given(Requested(), Authorization(), new ShipmentDelivered(null, false, RmaStatus.Delivered));

        Then(When(given, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit, at)), new ShipmentInTransit(at, true, RmaStatus.Delivered));
        Assert.Equal(RmaStatus.Delivered, given.Status);
    }

    [Fact]
    public void GivenAReturnInTransit_WhenTheParcelIsLost_ThenAnEscalationTaskIsCreated()
    {
        var given = Given(Requested(), Authorization(), new ShipmentInTransit(null, false, RmaStatus.InTransit));

        Then(When(given, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Lost)),
            new ShipmentLost(null, false, RmaStatus.InTransit),
            Task(5, "escalations", TaskQueues.KindCarrierLost, "The carrier reported the parcel lost."));
        Assert.Equal(LineLogistics.Lost, given.Lines[0].Logistics);
    }

    [Fact]
    public void GivenAReturnUnderReview_WhenACarrierEventArrives_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), new ReturnFlagged("x", "review")), new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered),
            "rma.illegal_transition");
}
