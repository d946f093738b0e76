using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 17, item 1: what KissEf cannot take off its entity (here another entity type's relationship to it, which is
/// the application's entity's to change) fails the host's start with a message that names it and says how to leave
/// the entity out; an application that leaves it out with <see cref="KissEntityTypeExtensions.IsKissEfEntity"/> starts,
/// and its saves commit.
/// </summary>
public sealed class OutboxStartupCheckTests : OutboxTestBase
{
    [Fact]
    public async Task Start_up_fails_naming_what_KissEf_cannot_undo_and_how_to_leave_its_entity_out()
    {
        await using var host = new TenantConventionHost<AuditTrailContext>(Database.ConnectionString, Server.Endpoint);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(host.StartAsync);

        Assert.Contains("KissEf's outbox entity KissOutboxMessage (table 'kiss_outbox') of AuditTrailContext", error.Message, StringComparison.Ordinal);
        Assert.Contains("a foreign key from KissOutboxMessageAudit", error.Message, StringComparison.Ordinal);
        Assert.Contains("'if (entityType.IsKissEfEntity()) continue;'", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"KissEf.Outbox\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_application_that_leaves_KissEfs_entity_out_starts_and_its_saves_commit_and_are_delivered()
    {
        await using var host = new TenantConventionHost<SkippingAuditTrailContext>(Database.ConnectionString, Server.Endpoint);
        await host.WithContextAsync(db => db.Database.EnsureCreatedAsync());
        await host.StartAsync();

        await host.AddCustomersAsync("t1", OutboxTestHost.Customer("audited-1"));
        await host.Dispatcher.FlushAsync();

        Assert.Equal(OutboxCalls.SignedUp("audited-1"), OutboxCalls.KeyOf(Assert.Single(Server.Calls)));
        Assert.NotNull(await host.WithContextAsync(db => Task.FromResult(db.Model.FindEntityType("OutboxCustomerAudit"))));
        Assert.Null(await host.WithContextAsync(db => Task.FromResult(db.Model.FindEntityType("KissOutboxMessageAudit"))));
    }

    /// <summary>A row of an audit table, one such shared-type entity per audited entity type.</summary>
    public sealed class AuditRecord
    {
        public int Id { get; set; }
    }

    /// <summary>An application whose convention gives every entity type an audit table pointing to it.</summary>
    public sealed class AuditTrailContext(DbContextOptions<AuditTrailContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
    {
        protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
            => configurationBuilder.Conventions.Add(_ => new AuditTrailConvention());
    }

    /// <summary>The same application, leaving KissEf's entity out.</summary>
    public sealed class SkippingAuditTrailContext(DbContextOptions<SkippingAuditTrailContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
    {
        protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
            => configurationBuilder.Conventions.Add(_ => new SkippingAuditTrailConvention());
    }

    /// <summary>Gives every entity type an audit table: a shared-type entity with a relationship to it.</summary>
    private sealed class AuditTrailConvention : IModelFinalizingConvention
    {
        public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
        {
            foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().ToList())
            {
                AddAuditTable(modelBuilder, entityType);
            }
        }

        public static void AddAuditTable(IConventionModelBuilder modelBuilder, IConventionEntityType entityType)
        {
            var key = entityType.FindPrimaryKey()!;
            var audit = modelBuilder.SharedTypeEntity(entityType.ShortName() + "Audit", typeof(AuditRecord))!;
            var entityId = audit.Property(key.Properties[0].ClrType, "EntityId")!;
            audit.HasRelationship(entityType, [entityId.Metadata]);
        }
    }

    /// <summary>The same, leaving KissEf's entity out.</summary>
    private sealed class SkippingAuditTrailConvention : IModelFinalizingConvention
    {
        public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
        {
            #region skip-kissef-entity
            foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().ToList())
            {
                // KissEf's outbox entity is KissEf's: leave it out of what is done to every entity type.
                if (entityType.IsKissEfEntity())
                {
                    continue;
                }

                AuditTrailConvention.AddAuditTable(modelBuilder, entityType);
            }
            #endregion
        }
    }
}
