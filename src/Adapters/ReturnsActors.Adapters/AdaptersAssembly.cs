namespace ReturnsActors.Adapters;

/// <summary>Partner formats to and from the canonical model, outbound connectors and webhook signing.</summary>
public static class AdaptersAssembly;
