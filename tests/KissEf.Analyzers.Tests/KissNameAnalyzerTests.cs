using Microsoft.CodeAnalysis.Testing;
using RunTimeRules = KissEf.Internal.Protocol.KissNameRules;

namespace KissEf.Analyzers.Tests;

public sealed class KissNameAnalyzerTests
{
    private static string Map(string body) => $$"""
        using System;
        using KissEf;

        public sealed class Customer
        {
            public int Id { get; set; }
            public string Plan { get; set; } = "";
            public DateTimeOffset At { get; set; }
        }

        public sealed class CustomerMap : IKissEntityTypeConfiguration<Customer>
        {
            public void Configure(KissEntityTypeBuilder<Customer> builder)
            {
                builder.HasIdentity(c => c.Id);
                {{body}}
            }
        }
        """;

    [Theory]
    [InlineData("\"_signed up\"")]
    [InlineData("\"Signed, up\"")]
    [InlineData("\"Signed: up\"")]
    [InlineData("\" \"")]
    public Task An_event_name_the_vendor_refuses_is_an_error(string name)
        => KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(Map($$"""builder.OnAdded().Record({|KISS003:{{name}}|});"""));

    [Fact]
    public Task An_event_name_longer_than_255_characters_is_an_error_and_one_of_255_is_not()
        => KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(Map($$"""
            builder.OnAdded().Record({|KISS003:"{{new string('a', 256)}}"|});
                    builder.OnDeleted().Record("{{new string('a', 255)}}");
            """));

    [Theory]
    [InlineData("builder.OnAdded().Record(\"Signed Up\").With({|KISS003:\"_plan\"|}, c => c.Plan);")]
    [InlineData("builder.OnModified().Record(\"Changed\").WithOriginal({|KISS003:\"old:plan\"|}, c => c.Plan);")]
    [InlineData("builder.OnAdded().Set({|KISS003:\"plan,tier\"|}, c => c.Plan);")]
    [InlineData("builder.OnAdded().Set(\"plan\", c => c.Plan).Set({|KISS003:\"_tier\"|}, c => c.Plan);")]
    public Task A_property_name_the_vendor_refuses_is_an_error(string statement)
        => KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(Map(statement));

    [Theory]
    [InlineData("builder.OnAdded().Record(\"Signed Up\").With(\"plan\", c => c.Plan).With({|KISS003:\"plan\"|}, c => c.Id);")]
    [InlineData("builder.OnAdded().Record(\"Signed Up\").With(\"plan\", c => c.Plan).At(c => c.At).WithOriginal({|KISS003:\"Plan\"|}, c => c.Plan);")]
    [InlineData("builder.OnAdded().Set(\"plan\", c => c.Plan).Set({|KISS003:\"PLAN\"|}, c => c.Id);")]
    public Task A_property_name_twice_in_one_call_is_an_error_whatever_its_case(string statement)
        => KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(Map(statement));

    [Fact]
    public Task Valid_names_names_in_separate_calls_and_names_that_are_not_constants_are_not_reported()
        => KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(Map("""
            var trigger = builder.OnAdded();
                    trigger.Record("Signed Up").With("plan", c => c.Plan);
                    trigger.Record("Plan Chosen").With("plan", c => c.Plan);
                    trigger.Set("plan", c => c.Plan).Set("tier", c => c.Id);
                    var name = "_" + DateTime.Now.Ticks;
                    builder.OnDeleted().Record(name).With(name, c => c.Plan);
            """));

    [Fact]
    public Task The_message_names_the_rule_as_start_up_does()
    {
        var expected = new DiagnosticResult(KissDiagnostics.InvalidName)
            .WithLocation(0)
            .WithArguments($"Property name \"_plan\" is invalid: {RunTimeRules.CheckName("_plan")}");
        var test = Map("builder.OnAdded().Record(\"Signed Up\").With({|#0:\"_plan\"|}, c => c.Plan);");
        return KissAnalyzerTest.VerifyAsync<KissNameAnalyzer>(test, expected);
    }

    [Theory]
    [InlineData("Signed Up")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("_plan")]
    [InlineData("a,b")]
    [InlineData("a:b")]
    [InlineData("tab\there")]
    [InlineData("lone \uD800 surrogate")]
    [InlineData("pair \uD83D\uDE00 emoji")]
    [InlineData("ümlaut")]
    public void The_analyzer_rules_give_the_start_up_answer(string name)
        => Assert.Equal(RunTimeRules.CheckName(name), KissNameRules.CheckName(name));

    [Fact]
    public void The_analyzer_rules_give_the_start_up_answer_at_the_length_limit()
    {
        Assert.Null(KissNameRules.CheckName(new string('a', 255)));
        Assert.Equal(RunTimeRules.CheckName(new string('a', 256)), KissNameRules.CheckName(new string('a', 256)));
    }
}
