using System.Linq.Expressions;
using KissEf.Outbox;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 17, item 1: whatever the application's model building does to every entity type, KissEf's table is the one a
/// model without it has: EF's migrations differ finds no operation on <c>kiss_outbox</c> between the two models, on
/// SQLite and PostgreSQL (no connection is opened), and a snapshot written by an earlier KissEf still matches it.
/// </summary>
public sealed class OutboxGuardTests
{
    public static TheoryData<Provider, string> Applications
    {
        get
        {
            var data = new TheoryData<Provider, string>();
            foreach (var provider in Providers.All)
            {
                foreach (var application in new[] { nameof(ConventionTenantContext), nameof(LoopTenantContext), nameof(SoftDeleteAuditContext), nameof(EverythingContext) })
                {
                    data.Add(provider, application);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Applications))]
    public void The_outbox_table_is_the_one_of_a_model_the_application_did_not_touch(Provider provider, string application)
    {
        using var services = Services(provider);
        using var scope = services.CreateScope();
        var plain = scope.ServiceProvider.GetRequiredService<PlainContext>();
        var app = (DbContext)scope.ServiceProvider.GetRequiredService(typeof(EverythingContext).Assembly.GetTypes().Concat(typeof(TenantAppContext).Assembly.GetTypes()).Single(t => t.Name == application));

        // The application's model building did its work on its own entity.
        var customer = app.Model.FindEntityType(typeof(OutboxCustomer))!;
        Assert.Contains(customer.GetProperties(), p => p.IsShadowProperty());
        Assert.NotEmpty(customer.GetDeclaredQueryFilters());

        var differ = app.GetService<IMigrationsModelDiffer>();
        var operations = differ.GetDifferences(DesignModel(plain).GetRelationalModel(), DesignModel(app).GetRelationalModel());
        Assert.NotEmpty(operations);
        AssertNoneOnTheOutbox(operations);

        var outbox = app.Model.FindEntityType(typeof(KissOutboxMessage))!;
        Assert.Empty(outbox.GetDeclaredQueryFilters());
        Assert.Equal(
            plain.Model.FindEntityType(typeof(KissOutboxMessage))!.GetAnnotations().Select(a => a.Name).Order(StringComparer.Ordinal),
            outbox.GetAnnotations().Select(a => a.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public void A_snapshot_written_by_an_earlier_KissEf_still_matches_the_outbox_of_a_multi_tenant_application(Provider provider)
    {
        var operations = FromSnapshot(provider, provider == Provider.Sqlite ? new Snapshots.SqliteSnapshotContextModelSnapshot() : new Snapshots.PostgresSnapshotContextModelSnapshot());

        // The application's tables differ from the snapshot's (its customers are not the snapshot's shoppers); KissEf's does not.
        Assert.Contains(operations, o => TableOf(o) == "customers");
        AssertNoneOnTheOutbox(operations);
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public void A_column_an_earlier_migration_put_on_the_outbox_is_dropped_by_the_next_one(Provider provider)
    {
        var operations = FromSnapshot(provider, provider == Provider.Sqlite ? new SqliteSnapshotWithTenant() : new PostgresSnapshotWithTenant());

        var outbox = Assert.Single(operations, o => TableOf(o) == "kiss_outbox");
        Assert.Equal(TenantModel.Column, Assert.IsType<DropColumnOperation>(outbox).Name);
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public void Names_the_applications_conventions_give_KissEfs_key_and_index_stay(Provider provider)
    {
        using var services = Services(provider);
        using var scope = services.CreateScope();
        var outbox = scope.ServiceProvider.GetRequiredService<NamingContext>().Model.FindEntityType(typeof(KissOutboxMessage))!;

        Assert.Equal("pk_kiss_outbox", outbox.FindPrimaryKey()!.GetName());
        Assert.Equal("ix_kiss_outbox_1", Assert.Single(outbox.GetIndexes()).GetDatabaseName());
    }

    public static TheoryData<Provider> OnBoth => new(Providers.All);

    /// <summary>
    /// What the next migration of a multi-tenant application (<see cref="SnapshotTenantContext"/>) would do, from
    /// <paramref name="snapshot"/>: EF's own comparison (<c>HasPendingModelChanges</c> finalizes the snapshot's model the same way).
    /// </summary>
    private static IReadOnlyList<MigrationOperation> FromSnapshot(Provider provider, ModelSnapshot snapshot)
    {
        using var services = Services(provider);
        using var scope = services.CreateScope();
        var app = scope.ServiceProvider.GetRequiredService<SnapshotTenantContext>();
        var earlier = app.GetService<IModelRuntimeInitializer>().Initialize(((IMutableModel)snapshot.Model).FinalizeModel());
        return app.GetService<IMigrationsModelDiffer>().GetDifferences(earlier.GetRelationalModel(), DesignModel(app).GetRelationalModel());
    }

    private static IModel DesignModel(DbContext db) => db.GetService<IDesignTimeModel>().Model;

    private static void AssertNoneOnTheOutbox(IEnumerable<MigrationOperation> operations)
    {
        var outbox = operations.Where(o => TableOf(o) == "kiss_outbox").Select(o => $"{o.GetType().Name} {(o as ColumnOperation)?.Name}").ToList();
        Assert.True(outbox.Count == 0, "Operations on kiss_outbox: " + string.Join("; ", outbox));
    }

    /// <summary>The table an operation of the migrations differ changes.</summary>
    private static string? TableOf(MigrationOperation operation) => operation switch
    {
        TableOperation table => table.Name,
        DropTableOperation drop => drop.Name,
        RenameTableOperation rename => rename.Name,
        _ => operation.GetType().GetProperty("Table")?.GetValue(operation) as string,
    };

    private static ServiceProvider Services(Provider provider)
    {
        var connection = provider == Provider.Sqlite ? "Data Source=unused.db" : "Host=127.0.0.1;Database=unused;Username=postgres";
        var services = new ServiceCollection().AddSingleton<TenantAccessor>();
        services.AddKissTracking(kiss => kiss.UseApiKey("guard-key").MapCustomers());
        services.AddDbContext<PlainContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<ConventionTenantContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<LoopTenantContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<SoftDeleteAuditContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<EverythingContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<SnapshotTenantContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        services.AddDbContext<NamingContext>((sp, db) => db.Use(provider, connection).UseKissTracking(sp));
        return services.BuildServiceProvider();
    }

    /// <summary>The customers and KissEf's table, nothing of the application's done to every entity type.</summary>
    public sealed class PlainContext(DbContextOptions<PlainContext> options) : DbContext(options)
    {
        public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => OutboxShop.ConfigureModel(modelBuilder);
    }

    /// <summary>
    /// A multi-tenant application (<see cref="MultiTenantConvention"/>) on the snapshots' schemas: the default one on
    /// SQLite, <c>shop</c> on PostgreSQL.
    /// </summary>
    public sealed class SnapshotTenantContext(DbContextOptions<SnapshotTenantContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
    {
        protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
            => configurationBuilder.Conventions.Add(_ => new MultiTenantConvention());

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            base.OnModelCreating(modelBuilder);
            if (Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL")
            {
                modelBuilder.HasDefaultSchema("shop");
            }
        }
    }

    /// <summary>An application whose convention names every primary key and index (as snake-case naming conventions do).</summary>
    public sealed class NamingContext(DbContextOptions<NamingContext> options) : DbContext(options)
    {
        public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

        protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
            => configurationBuilder.Conventions.Add(_ => new NamingConvention());
    }

    private sealed class NamingConvention : IModelFinalizingConvention
    {
        public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
        {
            foreach (var entityType in modelBuilder.Metadata.GetEntityTypes())
            {
                entityType.FindPrimaryKey()!.Builder.HasName("pk_" + entityType.GetTableName());
                var n = 0;
                foreach (var index in entityType.GetIndexes())
                {
                    index.Builder.HasDatabaseName($"ix_{entityType.GetTableName()}_{++n}");
                }
            }
        }
    }

    /// <summary>The SQLite snapshot as a migration made while the application's convention put a tenant on KissEf's entity left it.</summary>
    private sealed class SqliteSnapshotWithTenant : Snapshots.SqliteSnapshotContextModelSnapshot
    {
        protected override void BuildModel(ModelBuilder modelBuilder)
        {
            base.BuildModel(modelBuilder);
            modelBuilder.Entity("KissEf.Outbox.KissOutboxMessage", b => b.Property<string>(TenantModel.Column).IsRequired());
        }
    }

    /// <summary>The PostgreSQL snapshot with the same tenant column on KissEf's entity.</summary>
    private sealed class PostgresSnapshotWithTenant : Snapshots.PostgresSnapshotContextModelSnapshot
    {
        protected override void BuildModel(ModelBuilder modelBuilder)
        {
            base.BuildModel(modelBuilder);
            modelBuilder.Entity("KissEf.Outbox.KissOutboxMessage", b => b.Property<string>(TenantModel.Column).IsRequired());
        }
    }

    /// <summary>
    /// Everything an application's model building does to every entity type at once, explicitly where EF lets it:
    /// pre-convention configuration of every string and every <c>long</c>, and a convention that adds a tenant to
    /// the primary key and to every index, a relationship, a check constraint, a trigger, marker annotations (its own
    /// and a provider's), defaults, generated values and required columns.
    /// </summary>
    public sealed class EverythingContext(DbContextOptions<EverythingContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
    {
        protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
        {
            configurationBuilder.Properties<string>().HaveMaxLength(32).AreUnicode(false).AreFixedLength();
            configurationBuilder.Properties<long>().HaveConversion<string>().HavePrecision(10);
            configurationBuilder.Conventions.Add(_ => new EverythingConvention());
        }
    }

    private sealed class EverythingConvention : IModelFinalizingConvention
    {
        public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
        {
            var customers = (IMutableEntityType)modelBuilder.Metadata.FindEntityType(typeof(OutboxCustomer))!;
            foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().ToList())
            {
                TenantModel.MakeMultiTenant(entityType);
                var mutable = (IMutableEntityType)entityType;
                var tenant = mutable.FindProperty(TenantModel.Column)!;
                mutable.SetPrimaryKey([.. mutable.FindPrimaryKey()!.Properties, tenant]);
                foreach (var index in mutable.GetIndexes().Where(i => !i.Properties.Contains(tenant)).ToList())
                {
                    mutable.RemoveIndex(index);
                    mutable.AddIndex([.. index.Properties, tenant]).IsUnique = true;
                }

                var entity = Expression.Parameter(entityType.ClrType, "e");
                mutable.SetQueryFilter("Always", Expression.Lambda(Expression.Constant(true), entity));
                mutable.AddCheckConstraint($"CK_{entityType.ShortName()}_Tenant", "\"TenantId\" <> ''");
                mutable.AddTrigger($"TR_{entityType.ShortName()}_Audit");
                mutable.SetAnnotation("Npgsql:UnloggedTable", true);
                if (mutable != customers)
                {
                    var createdBy = mutable.AddProperty("CreatedById", typeof(int));
                    mutable.AddForeignKey(createdBy, customers.FindPrimaryKey()!, customers);
                }

                foreach (var property in mutable.GetProperties().ToList())
                {
                    if (property.Name == "CreatedAt")
                    {
                        property.SetDefaultValueSql("CURRENT_TIMESTAMP");
                        property.SetColumnType("timestamp");
                    }

                    if (property.Name == "CallCount")
                    {
                        property.SetComputedColumnSql("0");
                    }

                    if (property.Name == "Id")
                    {
                        property.ValueGenerated = ValueGenerated.Never;
                    }

                    if (property.ClrType == typeof(string))
                    {
                        property.IsNullable = false;
                    }
                }
            }
        }
    }
}
