using Microsoft.CodeAnalysis.Testing;

namespace KissEf.Analyzers.Tests;

public sealed class KissBulkOperationAnalyzerTests
{
    private const string Model = """
        using System;
        using System.Linq;
        using System.Threading.Tasks;
        using KissEf;
        using Microsoft.EntityFrameworkCore;

        public sealed class Order
        {
            public int Id { get; set; }
            public string Status { get; set; } = "";
        }

        public sealed class Customer
        {
            public int Id { get; set; }
            public bool Closed { get; set; }
        }

        public sealed class AuditRow
        {
            public int Id { get; set; }
        }

        public sealed class ShopContext(DbContextOptions options) : DbContext(options)
        {
            public DbSet<Order> Orders => Set<Order>();
            public DbSet<Customer> Customers => Set<Customer>();
            public DbSet<AuditRow> Audit => Set<AuditRow>();
        }

        public sealed class OrderMap : IKissEntityTypeConfiguration<Order>
        {
            public void Configure(KissEntityTypeBuilder<Order> builder) => builder.HasIdentity(o => o.Id);
        }

        public static class Tracking
        {
            public static void Add(KissTrackingBuilder kiss) => kiss.Entity<Customer>(c => c.HasIdentity(x => x.Id));
        }

        """;

    [Fact]
    public Task A_bulk_operation_on_a_type_mapped_by_a_configuration_class_or_inline_is_a_warning()
        => KissAnalyzerTest.VerifyAsync<KissBulkOperationAnalyzer>(Model + """
            public static class Jobs
            {
                public static async Task Run(ShopContext db)
                {
                    db.Orders.Where(o => o.Id < 10).{|KISS001:ExecuteUpdate|}(s => s.SetProperty(o => o.Status, "archived"));
                    await db.Orders.{|KISS001:ExecuteUpdateAsync|}(s => s.SetProperty(o => o.Status, "archived"));
                    db.Customers.Where(c => c.Closed).{|KISS001:ExecuteDelete|}();
                    await db.Customers.{|KISS001:ExecuteDeleteAsync|}();
                    EntityFrameworkQueryableExtensions.{|KISS001:ExecuteDelete|}(db.Orders);
                }
            }
            """);

    [Fact]
    public Task A_bulk_operation_on_an_unmapped_type_is_not_reported()
        => KissAnalyzerTest.VerifyAsync<KissBulkOperationAnalyzer>(Model + """
            public static class Jobs
            {
                public static async Task Run(ShopContext db)
                {
                    db.Audit.Where(a => a.Id < 10).ExecuteDelete();
                    await db.Audit.ExecuteUpdateAsync(s => s.SetProperty(a => a.Id, 1));
                }
            }
            """);

    [Fact]
    public Task The_message_names_the_method_the_entity_and_the_tracked_method()
    {
        var expected = new DiagnosticResult(KissDiagnostics.UntrackedBulkOperation)
            .WithLocation(0)
            .WithArguments("ExecuteDeleteAsync", "Customer", "ExecuteDeleteTrackedAsync");
        return KissAnalyzerTest.VerifyAsync<KissBulkOperationAnalyzer>(
            Model + """
            public static class Jobs
            {
                public static Task Run(ShopContext db) => db.Customers.{|#0:ExecuteDeleteAsync|}();
            }
            """,
            expected);
    }

    [Fact]
    public Task A_map_declared_in_another_assembly_is_not_seen()
    {
        // The maps' project, compiled apart and referenced as an assembly, as a class library of maps would be.
        var maps = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Shop.Maps",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("""
                public sealed class Invoice { public int Id { get; set; } }
                public sealed class InvoiceMap : KissEf.IKissEntityTypeConfiguration<Invoice>
                {
                    public void Configure(KissEf.KissEntityTypeBuilder<Invoice> builder) => builder.HasIdentity(i => i.Id);
                }
                """)],
            KissAnalyzerTest.References.Value,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary));
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<KissBulkOperationAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using System.Linq;
                using Microsoft.EntityFrameworkCore;

                public static class Jobs
                {
                    public static int Run(IQueryable<Invoice> invoices) => invoices.ExecuteDelete();
                }
                """,
        };
        KissAnalyzerTest.Configure(test.TestState);
        test.TestState.AdditionalReferences.Add(maps.ToMetadataReference());
        return test.RunAsync();
    }

    [Fact]
    public Task A_static_call_of_EF_s_method_is_reported_but_not_fixed()
    {
        var source = Model + """
            public static class Jobs
            {
                public static int Run(ShopContext db) => EntityFrameworkQueryableExtensions.{|KISS001:ExecuteDelete|}(db.Orders);
            }
            """;
        return KissAnalyzerTest.VerifyFixAsync<KissBulkOperationAnalyzer, KissBulkOperationCodeFix>(source, source);
    }

    [Fact]
    public Task No_fix_is_offered_where_the_tracked_method_cannot_be_called_as_written()
    {
        // A static call of EF's class: the tracked method is not a member of it (it is KissEf's), so a rename would not compile.
        var source = Model + """
            public static class Jobs
            {
                public static int Run(ShopContext db) => EntityFrameworkQueryableExtensions.{|KISS001:ExecuteDelete|}(db.Orders);
            }
            """;
        return KissAnalyzerTest.VerifyFixAsync<KissBulkOperationAnalyzer, KissBulkOperationCodeFix>(source, source);
    }

    [Fact]
    public Task The_code_fix_calls_the_tracked_method_with_the_same_arguments()
        => KissAnalyzerTest.VerifyFixAsync<KissBulkOperationAnalyzer, KissBulkOperationCodeFix>(
            Model + """
            public static class Jobs
            {
                public static async Task Run(ShopContext db, System.Threading.CancellationToken ct)
                {
                    db.Orders.Where(o => o.Id < 10).{|KISS001:ExecuteUpdate|}(s => s.SetProperty(o => o.Status, "archived"));
                    await db.Orders.{|KISS001:ExecuteUpdateAsync|}(s => s.SetProperty(o => o.Status, "archived"), ct);
                    db.Customers.Where(c => c.Closed).{|KISS001:ExecuteDelete|}();
                    await db.Customers.{|KISS001:ExecuteDeleteAsync|}(ct);
                }
            }
            """,
            Model + """
            public static class Jobs
            {
                public static async Task Run(ShopContext db, System.Threading.CancellationToken ct)
                {
                    db.Orders.Where(o => o.Id < 10).ExecuteUpdateTracked(s => s.SetProperty(o => o.Status, "archived"));
                    await db.Orders.ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "archived"), ct);
                    db.Customers.Where(c => c.Closed).ExecuteDeleteTracked();
                    await db.Customers.ExecuteDeleteTrackedAsync(ct);
                }
            }
            """);
}
