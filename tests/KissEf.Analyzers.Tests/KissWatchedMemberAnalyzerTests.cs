using Microsoft.CodeAnalysis.Testing;

namespace KissEf.Analyzers.Tests;

public sealed class KissWatchedMemberAnalyzerTests
{
    private static string Map(string body) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Linq.Expressions;
        using KissEf;
        using Microsoft.EntityFrameworkCore;

        public sealed class Address
        {
            public string City { get; set; } = "";
        }

        public sealed class Customer
        {
            public int Id { get; set; }
            public string Email { get; set; } = "";
            public string Plan;
            public Address Address { get; set; } = new();
            public List<string> Tags { get; set; } = new();
            public string Code() => Email;
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

    [Fact]
    public Task Plain_member_paths_are_not_reported()
        => KissAnalyzerTest.VerifyAsync<KissWatchedMemberAnalyzer>(Map("""
            builder.OnChanged(c => c.Email, c => c.Address.City, (c) => (c.Plan), c => c.Address!.City, c => c.Id).Record("Changed")
                        .WithOriginal("old plan", c => c.Plan);
                    builder.AliasOnChange(c => c.Email);
                    builder.Alias(c => c.Email, c => c.Id);
                    Expression<Func<Customer, object?>> built = c => c.Code();
                    builder.OnChanged(built);
            """));

    [Theory]
    [InlineData("builder.OnChanged(c => {|KISS002:c.Code()|});")]
    [InlineData("builder.OnChanged(c => c.Email, c => {|KISS002:c.Email.ToUpperInvariant()|});")]
    [InlineData("builder.AliasOnChange(c => {|KISS002:c.Tags[0]|});")]
    [InlineData("builder.Alias(c => c.Email, c => {|KISS002:EF.Property<string>(c, \"Secret\")|});")]
    [InlineData("builder.OnChanged(c => {|KISS002:(object)c.Id|});")]
    [InlineData("builder.OnChanged(c => {|KISS002:c.Email as object|});")]
    [InlineData("builder.OnChanged(c => {|KISS002:c|});")]
    [InlineData("builder.OnChanged(c => {|KISS002:c.Email + c.Plan|});")]
    [InlineData("builder.OnModified().Record(\"Changed\").WithOriginal(\"old\", c => {|KISS002:c.Address.City.Trim()|});")]
    public Task A_watched_member_that_is_not_a_member_path_is_an_error(string statement)
        => KissAnalyzerTest.VerifyAsync<KissWatchedMemberAnalyzer>(Map(statement));

    [Fact]
    public Task Values_that_are_not_watched_may_be_any_expression()
        => KissAnalyzerTest.VerifyAsync<KissWatchedMemberAnalyzer>(Map("""
            builder.OnAdded().Record("Signed Up").With("code", c => c.Code()).With("tags", c => c.Tags.Count + 1);
                    builder.OnAdded().Set("first tag", c => c.Tags[0]);
            """));

    [Fact]
    public Task The_message_names_the_lambda_and_what_it_is_instead()
    {
        var expected = new DiagnosticResult(KissDiagnostics.WatchedMemberNotPath)
            .WithLocation(0)
            .WithArguments("c => c.Tags[0]", "an indexer");
        return KissAnalyzerTest.VerifyAsync<KissWatchedMemberAnalyzer>(Map("builder.OnChanged(c => {|#0:c.Tags[0]|});"), expected);
    }
}
