using Microsoft.AspNetCore.Authorization;
using ReturnsActors.Api.Auth;

namespace ReturnsActors.Api.Rmas;

/// <summary>Who may do what to a return (DESIGN §8 roles); a platform admin may do everything.</summary>
public static class RmaPolicies
{
    public const string Read = "rmas.read";
    public const string Create = "rmas.create";
    public const string Decide = "rmas.decide";
    public const string Logistics = "rmas.logistics";
    public const string Warehouse = "rmas.warehouse";
    public const string Finance = "rmas.finance";
    public const string Orders = "orders.load";
    public const string Work = "tasks.work";
    public const string PolicyAdmin = "policies.admin";
    public const string WarehouseAdmin = "warehouses.admin";
    public const string SupplierAdmin = "suppliers.admin";
    public const string Claims = "claims.work";

    public static AuthorizationBuilder AddRmaPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Read, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.CustomerService, Roles.Warehouse, Roles.Finance, Roles.Partner, Roles.Viewer))
        .AddPolicy(Create, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.CustomerService, Roles.Partner))
        .AddPolicy(Decide, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.CustomerService))
        .AddPolicy(Logistics, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Partner, Roles.Warehouse))
        .AddPolicy(Warehouse, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Warehouse))
        .AddPolicy(Finance, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Finance))
        .AddPolicy(Orders, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Partner))
        .AddPolicy(Work, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.CustomerService, Roles.Warehouse, Roles.Finance))
        .AddPolicy(PolicyAdmin, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin))
        .AddPolicy(WarehouseAdmin, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Warehouse))
        .AddPolicy(SupplierAdmin, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Finance))
        .AddPolicy(Claims, p => p.RequireRole(Roles.PlatformAdmin, Roles.Admin, Roles.Finance, Roles.Warehouse));
}
