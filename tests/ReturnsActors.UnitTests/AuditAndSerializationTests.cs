using System.Text.Json;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class AuditChainTests
{
    [Fact]
    public void Verify_OfAnUntouchedTrail_IsValid()
    {
        var state = Dispositioned();

        var result = AuditChain.Verify(state.Events);

        Assert.True(result.Valid);
        Assert.Equal(state.LastSeq, result.CheckedThroughSeq);
        Assert.Equal(AuditChain.GenesisHash, state.Events[0].PrevHash);
        Assert.Equal(state.Events[0].Hash, state.Events[1].PrevHash);
    }

    [Fact]
    public void Verify_WhenAPayloadIsTampered_ReportsTheFirstBrokenSeq()
    {
        var events = Dispositioned().Events.ToList();
        var label = events.Single(e => e.Type == "label.created");
        var tampered = label with { DataJson = label.DataJson.Replace("ups", "fedex") };
        Assert.NotEqual(label.DataJson, tampered.DataJson);
        events[events.IndexOf(label)] = tampered;

        var result = AuditChain.Verify(events);

        Assert.False(result.Valid);
        Assert.Equal(label.Seq, result.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_WhenAHashIsRecomputedAfterTampering_StillBreaksAtTheNextLink()
    {
        var events = Dispositioned().Events.ToList();
        var forged = events[2] with { Actor = "someone-else" };
        events[2] = forged with { Hash = AuditChain.Hash(forged) };

        var result = AuditChain.Verify(events);

        Assert.Equal(events[3].Seq, result.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_WhenAnEventIsRemoved_ReportsTheGap()
    {
        var events = Dispositioned().Events.ToList();
        events.RemoveAt(1);

        Assert.Equal(3, AuditChain.Verify(events).FirstBrokenSeq);
    }

    [Fact]
    public void Verify_FromAnAnchor_ChecksTheTrimmedTail()
    {
        var events = Dispositioned().Events;

        var result = AuditChain.Verify(events.Skip(3).ToList(), events[2].Seq, events[2].Hash);

        Assert.True(result.Valid);
        Assert.Equal(4, result.CheckedFromSeq);
    }
}

public class SerializationTests
{
    [Fact]
    public void RmaState_RoundTripsThroughSystemTextJson_WithEnumNames()
    {
        var state = Dispositioned(ItemGrade.C, Shirts(), Headphones());
        Ok(state, new PlaceRmaHold(NewId(), "agent:a", "check"));

        var json = JsonSerializer.Serialize(state);
        var back = JsonSerializer.Deserialize<RmaState>(json)!;

        Assert.Contains("\"Status\":\"Dispositioned\"", json);
        Assert.Contains("\"Grade\":\"C\"", json);
        Assert.Contains("\"Disposition\":\"Donate\"", json);
        Assert.DoesNotContain("$type", json);
        Assert.Equal(JsonSerializer.Serialize(RmaMachine.ToView(state)), JsonSerializer.Serialize(RmaMachine.ToView(back)));
        Assert.True(AuditChain.Verify(back.Events).Valid);
        // Lists come back as other collection types, so compare what is persisted: every policy field survives.
        Assert.Equal(JsonSerializer.Serialize(state.Policy), JsonSerializer.Serialize(back.Policy));
        Assert.Equal(state.Policy.DispositionRules, back.Policy.DispositionRules);
    }

    [Fact]
    public void PolicyDocument_RoundTripsThroughSystemTextJson()
    {
        var json = JsonSerializer.Serialize(DefaultPolicy.Document, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var back = JsonSerializer.Deserialize<PolicyDocument>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        Assert.Contains("\"restockingFeeReasonClasses\":[\"Convenience\"]", json);
        Assert.Equal(DefaultPolicy.Document.FraudHoldRules, back.FraudHoldRules);
        Assert.Equal(DefaultPolicy.Document.Sla, back.Sla);
        Assert.Empty(PolicyValidator.Validate(back));
    }
}

public class EventTimePrecisionTests
{
    [Fact]
    public void EventTime_IsWholeMicroseconds_SoACopyReadBackFromPostgresHashesTheSame()
    {
        var at = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

        var e = AuditChain.Next(0, AuditChain.GenesisHash, new NoteAdded("n"), at, "agent:a", "c1", 0, []);
        var fromDatabase = e with { OccurredAt = new DateTimeOffset(e.OccurredAt.Ticks / 10 * 10, TimeSpan.Zero) };

        Assert.Equal(0, e.OccurredAt.Ticks % 10);
        Assert.True(AuditChain.Verify([fromDatabase]).Valid);
    }
}
