using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>One delivery attempt of a claim submission: where, signed with which secrets (newest first), under which key.</summary>
[GenerateSerializer, Immutable, Alias("ra.ClaimDelivery")]
public sealed record ClaimDelivery(
    [property: Id(0)] string SupplierKey,
    [property: Id(1)] string ClaimId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] string Url,
    [property: Id(4)] IReadOnlyList<string> Secrets,
    [property: Id(5)] string IdempotencyKey,
    [property: Id(6)] string Body);

/// <summary>Sends one claim document over HTTP (the silo's resilient, SSRF-guarded client). Never throws for a failed send.</summary>
public interface IVendorClaimSender
{
    Task<ClaimSendOutcome> SendAsync(ClaimDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>Takes claim deliveries off the supplier grain, so the grain never waits on an HTTP call and its retries.</summary>
public interface IClaimSubmissionWorker : IGrainWithIntegerKey
{
    /// <summary>Sends the delivery and reports the outcome to the supplier grain. One-way: the caller does not wait.</summary>
    [OneWay]
    Task SendAsync(ClaimDelivery delivery);
}

/// <summary>A stateless worker on the caller's silo, reentrant so one activation holds many sends at once. The supplier grain
/// hands it an attempt (one-way) and goes on taking claim lines and actions; the worker reports back with
/// <see cref="ISupplierGrain.ReportSubmissionAsync"/>. Should the report be lost (silo crash), the grain sends the same
/// attempt again after <see cref="ClaimSubmissionOptions.AttemptLease"/>, with the same Idempotency-Key.</summary>
[StatelessWorker]
[Reentrant]
public sealed class ClaimSubmissionWorker(IServiceProvider services) : Grain, IClaimSubmissionWorker
{
    public async Task SendAsync(ClaimDelivery delivery)
    {
        var outcome = services.GetService<IVendorClaimSender>() is { } sender
            ? await sender.SendAsync(delivery, CancellationToken.None)
            : new ClaimSendOutcome(null, null, "This silo has no claim sender.");
        await GrainFactory.GetGrain<ISupplierGrain>(delivery.SupplierKey).ReportSubmissionAsync(delivery.ClaimId, delivery.Attempt, outcome);
    }
}
