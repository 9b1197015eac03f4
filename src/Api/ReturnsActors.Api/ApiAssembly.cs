namespace ReturnsActors.Api;

public static class ApiAssembly;
