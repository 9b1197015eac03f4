using System.Text.Json;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

/// <summary>Issue 9 governance in the domain: recommendations and overrides on the audit trail, idempotent by command id;
/// the advisory part of tenant policy is validated; override and agreement rates in the KPIs.</summary>
public sealed class RecommendationAuditTests
{
    private static RecordRecommendation Recommend(string id = "rec-1", string action = AdvisoryActions.Approve,
        RecommendationMode mode = RecommendationMode.Advisory, double confidence = 0.87) =>
        new(id, "advisor:adv-123", action, confidence, "adv-123", ["reason class defect raised it", "order value 40 EUR"], mode);

    [Fact]
    public void ARecommendation_IsIssuedOnTheTrail_WithModelVersionReasonsAndMode_AndChangesNothingElse()
    {
        var state = Authorized();
        var status = state.Status;

        var outcome = Ok(state, Recommend() with { Why = "policy does not allow automatic approve", TriggerSeq = 1 });

        var issued = Assert.Single(outcome.Events);
        Assert.Equal("recommendation.issued", issued.Type);
        Assert.Equal("advisor:adv-123", issued.Actor);
        var data = JsonDocument.Parse(issued.DataJson).RootElement;
        Assert.Equal("approve", data.GetProperty("action").GetString());
        Assert.Equal(0.87, data.GetProperty("confidence").GetDouble());
        Assert.Equal("adv-123", data.GetProperty("modelVersion").GetString());
        Assert.Equal(2, data.GetProperty("reasons").GetArrayLength());
        Assert.Equal("advisory", data.GetProperty("mode").GetString());
        Assert.Equal("policy does not allow automatic approve", data.GetProperty("why").GetString());
        Assert.Equal(1, data.GetProperty("triggerSeq").GetInt64());
        Assert.Equal(status, state.Status);
        Assert.Equal("adv-123", state.LastRecommendationModelVersion);
    }

    [Fact]
    public void AnAutoAppliedApproval_AuthorizesInTheSameCommand_RightAfterItsRecommendation()
    {
        var (state, _) = Create([Shirts()], policy: DefaultPolicy.Document with { AutoApproveLimit = 10m });
        Assert.Equal(RmaStatus.UnderReview, state.Status);

        var outcome = Ok(state, Recommend(mode: RecommendationMode.AutoApplied));

        Assert.Equal(["recommendation.issued", "return.authorized"], outcome.Events.Types());
        Assert.Equal(outcome.Events[0].Seq + 1, outcome.Events[1].Seq);
        Assert.All(outcome.Events, e => Assert.Equal("rec-1", e.CommandId));
        Assert.All(outcome.Events, e => Assert.Equal("advisor:adv-123", e.Actor));
        Assert.Equal("auto_applied", JsonDocument.Parse(outcome.Events[0].DataJson).RootElement.GetProperty("mode").GetString());
        Assert.Contains(RmaMachine.RuleAdvisoryAutoApply, outcome.Events[1].RuleIds);
        Assert.Equal(RmaStatus.Authorized, state.Status);
        Assert.Equal(outcome.Events.Select(e => e.Seq), state.Events.TakeLast(2).Select(e => e.Seq));
    }

    [Theory]
    [InlineData(AdvisoryActions.Decline, 10, RmaStatus.Declined, "return.declined")]
    [InlineData(AdvisoryActions.ManualReview, 250, RmaStatus.UnderReview, "return.flagged")]
    public void AutoAppliedDeclineAndManualReview_TakeTheirStep(string action, int autoApproveLimit, RmaStatus status, string stepEvent)
    {
        var (state, _) = Create([Shirts()], policy: DefaultPolicy.Document with { AutoApproveLimit = autoApproveLimit });

        var outcome = Ok(state, Recommend(action: action, mode: RecommendationMode.AutoApplied));

        Assert.Equal("recommendation.issued", outcome.Events[0].Type);
        Assert.Equal(stepEvent, outcome.Events[1].Type);
        Assert.Equal(status, state.Status);
    }

    [Fact]
    public void AnAutoAppliedRecommendation_WhoseStepIsNotLegalNow_IsRecordedAsAdviceAndSaysWhy()
    {
        var state = Authorized();

        var outcome = Ok(state, Recommend(mode: RecommendationMode.AutoApplied) with { Why = "approve at confidence 0.87 >= 0.50" });

        var issued = Assert.Single(outcome.Events);
        var data = JsonDocument.Parse(issued.DataJson).RootElement;
        Assert.Equal("advisory", data.GetProperty("mode").GetString());
        Assert.Equal("approve at confidence 0.87 >= 0.50; not applied: approve has no step that is legal for a return that is Authorized",
            data.GetProperty("why").GetString());
        Assert.Equal(RmaStatus.Authorized, state.Status);
    }

    [Fact]
    public void ATriggerSeqThatIsNoEventOfTheReturn_IsRefused()
    {
        var state = Authorized();

        var outcome = Do(state, Recommend() with { TriggerSeq = state.LastSeq + 1 });

        Assert.Contains("triggerSeq", outcome.Rejection!.Errors!.Keys);
    }

    [Fact]
    public void RecordingTheSameRecommendationTwice_IsANoOp()
    {
        var state = Authorized();
        Ok(state, Recommend());
        var seq = state.LastSeq;

        var again = Do(state, Recommend());

        Assert.True(again.Replayed);
        Assert.Empty(again.Events);
        Assert.Equal(seq, state.LastSeq);
    }

    [Theory]
    [InlineData("teleport", 0.8, "adv-1", "action")]
    [InlineData("approve", 1.2, "adv-1", "confidence")]
    [InlineData("approve", double.NaN, "adv-1", "confidence")]
    [InlineData("approve", 0.8, " ", "modelVersion")]
    public void AnInvalidRecommendation_IsRefusedByField(string action, double confidence, string model, string field)
    {
        var state = Authorized();
        var seq = state.LastSeq;

        var outcome = Do(state, new RecordRecommendation(NewId(), "advisor:x", action, confidence, model, []));

        Assert.Equal(RejectionKind.Invalid, outcome.Rejection?.Kind);
        Assert.Contains(field, outcome.Rejection!.Errors!.Keys);
        Assert.Equal(seq, state.LastSeq);
    }

    [Fact]
    public void TooManyOrTooLongReasons_AreRefused()
    {
        var state = Authorized();

        var many = Do(state, new RecordRecommendation(NewId(), "advisor:x", "approve", 0.9, "adv-1", Enumerable.Repeat("r", 11).ToList()));
        var long1 = Do(state, new RecordRecommendation(NewId(), "advisor:x", "approve", 0.9, "adv-1", [new string('x', 201)]));

        Assert.Contains("reasons", many.Rejection!.Errors!.Keys);
        Assert.Contains("reasons", long1.Rejection!.Errors!.Keys);
    }

    [Fact]
    public void AnOverride_NamesTheRecommendationsModelVersion_AndIsIdempotent()
    {
        var state = Authorized();
        Ok(state, Recommend());
        var command = new OverrideRecommendation("ovr-1", "agent:ann", "approve", "decline", "customer abuses returns");

        var outcome = Ok(state, command);
        var again = Do(state, command);

        var overridden = Assert.Single(outcome.Events);
        Assert.Equal("recommendation.overridden", overridden.Type);
        Assert.Equal("agent:ann", overridden.Actor);
        var data = JsonDocument.Parse(overridden.DataJson).RootElement;
        Assert.Equal("approve", data.GetProperty("recommendedAction").GetString());
        Assert.Equal("decline", data.GetProperty("chosenAction").GetString());
        Assert.Equal("adv-123", data.GetProperty("modelVersion").GetString());
        Assert.Equal("customer abuses returns", data.GetProperty("note").GetString());
        Assert.True(again.Replayed);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void AnOverride_WithoutARecommendation_OrOfAnotherAction_OrChoosingTheSame_IsRefused()
    {
        var state = Authorized();
        Assert.Equal("recommendation.none", Do(state, new OverrideRecommendation(NewId(), "agent:a", "approve", "decline")).Rejection?.Code);

        Ok(state, Recommend());
        Assert.Equal("recommendation.stale", Do(state, new OverrideRecommendation(NewId(), "agent:a", "refund", "decline")).Rejection?.Code);
        Assert.Equal("override.same_action", Do(state, new OverrideRecommendation(NewId(), "agent:a", "approve", "approve")).Rejection?.Code);
        Assert.Equal("override.invalid", Do(state, new OverrideRecommendation(NewId(), "agent:a", "approve", "teleport")).Rejection?.Code);
    }

    [Fact]
    public void AnOverride_OfTheLatestRecommendation_NamesItsModelVersion()
    {
        var state = Authorized();
        Ok(state, Recommend());
        Ok(state, new RecordRecommendation(NewId(), "advisor:adv-456", "refund", 0.7, "adv-456", []));

        var outcome = Ok(state, new OverrideRecommendation(NewId(), "agent:a", "refund", "store_credit"));

        Assert.Contains("\"modelVersion\":\"adv-456\"", outcome.Events[0].DataJson);
    }

    [Fact]
    public void PolicyValidation_KnowsTheAdvisoryActions_AndBoundsTheThreshold()
    {
        Assert.Empty(PolicyValidator.Validate(DefaultPolicy.Document with { AdvisoryAutoApplyActions = ["approve", "manual_review"], AdvisoryMinConfidence = 0.5 }));
        Assert.Empty(PolicyValidator.Validate(DefaultPolicy.Document with { AdvisoryMinConfidence = 1.0 }));
        Assert.Empty(DefaultPolicy.Document.AdvisoryAutoApplyActions);
        Assert.Equal(0.9, DefaultPolicy.Document.AdvisoryMinConfidence);

        var errors = PolicyValidator.Validate(DefaultPolicy.Document with { AdvisoryAutoApplyActions = ["approve", "teleport", "approve"], AdvisoryMinConfidence = 0.49 });

        Assert.Equal(["advisoryAutoApplyActions[1]", "advisoryAutoApplyActions[2]", "advisoryMinConfidence"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("advisoryMinConfidence", PolicyValidator.Validate(DefaultPolicy.Document with { AdvisoryMinConfidence = 1.01 }).Keys);
        Assert.Contains("advisoryMinConfidence", PolicyValidator.Validate(DefaultPolicy.Document with { AdvisoryMinConfidence = double.NaN }).Keys);
    }

    [Fact]
    public void Kpis_CountRecommendationsAndOverridesInRange_AndRateThem()
    {
        var from = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        KpiEvent E(string rma, string type, double day, string data = "{}") => new(rma, type, from.AddDays(day), 0, data);
        var events = new List<KpiEvent>
        {
            E("R1", "recommendation.issued", 1, """{"mode":"advisory"}"""),
            E("R1", "recommendation.overridden", 1.5),
            E("R2", "recommendation.issued", 2, """{"mode":"auto_applied"}"""),
            E("R3", "recommendation.issued", 3, """{"mode":"advisory"}"""),
            E("R4", "recommendation.issued", 4, """{"mode":"advisory"}"""),
            E("R0", "recommendation.issued", -1, """{"mode":"advisory"}"""), // before the range
            E("R0", "recommendation.overridden", 9), // after the range
        };

        var report = KpiCalculator.Compute("shop", from, from.AddDays(7), KpiCalculator.GroupByDay, from.AddDays(7), [], events, _ => 72);

        Assert.Equal(new AdvisoryKpis(4, 1, 1, 0.25, 0.75), report.Advisory);
        Assert.Contains("recommendation.issued", KpiCalculator.EventTypes);
        Assert.Contains("recommendation.overridden", KpiCalculator.EventTypes);
        Assert.Equal(new AdvisoryKpis(0, 0, 0, null, null),
            KpiCalculator.Compute("shop", from, from.AddDays(7), KpiCalculator.GroupByDay, from.AddDays(7), [], [], _ => 72).Advisory);
    }
}
