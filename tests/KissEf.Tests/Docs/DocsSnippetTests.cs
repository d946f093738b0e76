using System.Text.RegularExpressions;
using KissEf.Tests.Support;

namespace KissEf.Tests.Docs;

/// <summary>
/// The docs cannot drift from the code: every C# block of README.md, docs/ and the package readmes is a region of
/// compiled code (docs/samples/KissEf.DocSamples or a test file), and every relative link resolves. The control
/// tests feed <see cref="DocsChecker"/> a small tree of their own with each kind of mistake.
/// </summary>
public sealed class DocsSnippetTests : IDisposable
{
    private readonly DirectoryInfo _tree = Directory.CreateTempSubdirectory("kissef-docs-");

    [Fact]
    public void Every_csharp_block_is_its_compiled_region_and_every_relative_link_resolves()
    {
        var root = Repository.Root();
        var files = DocsChecker.MarkdownFiles(root);
        Assert.Contains("README.md", files);
        Assert.Contains("docs/README.md", files);
        Assert.Contains("src/KissEf/README.md", files);
        Assert.Contains("src/KissEf.Testing/README.md", files);

        var problems = DocsChecker.Check(root);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_readme_is_a_door_of_at_most_200_lines_with_the_sample_and_test_commands_that_ci_runs()
    {
        var root = Repository.Root();
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        Assert.True(readme.Length <= 200, $"README.md has {readme.Length} lines; the rest belongs in docs/.");
        Assert.Contains("dotnet run --project src/SampleApp", readme);
        Assert.Contains("dotnet test KissEf.sln -c Release", readme);

        // .ci/run says it runs the README's command one project at a time: the same configuration, and every test
        // project the README names (and .ci/run fails on a test project it does not list).
        var ci = File.ReadAllText(Path.Combine(root, ".ci", "run"));
        Assert.Contains("solution=KissEf.sln", ci, StringComparison.Ordinal);
        Assert.Contains("dotnet test \"tests/$project\" -c Release", ci, StringComparison.Ordinal);
        var run = Regex.Match(ci, @"^projects=\(([^)]*)\)", RegexOptions.Multiline).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var projects = Directory.GetFiles(Path.Combine(root, "tests"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<IsTestProject>true</IsTestProject>", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);
        Assert.Equal(projects, run.Order(StringComparer.Ordinal));
        Assert.All(run, p => Assert.Contains($"`tests/{p}`", string.Join('\n', readme), StringComparison.Ordinal));
    }

    [Fact]
    public void A_block_that_matches_its_region_and_links_that_resolve_pass()
    {
        Write("samples/Sample.cs", "class Sample\n{\n    void M()\n    {\n        #region hello\n        var x = 1;\n        #region inner\n        x++;\n        #endregion\n        #endregion\n    }\n}\n");
        Write("docs/other.md", "# Other page\n\n## A `Code` heading, with punctuation!\n");
        Write("docs/page.md", "# Page\n\n<!-- snippet: samples/Sample.cs#hello -->\n```csharp\nvar x = 1;\nx++;\n```\n\nSee [other](other.md#a-code-heading-with-punctuation), [here](#page) and [web](https://example.com).\n");
        Write("README.md", "# Root\n\n[Docs](docs/page.md)\n\n```sh\ndotnet test\n```\n");

        Assert.Empty(DocsChecker.Check(_tree.FullName));
    }

    [Fact]
    public void A_block_that_differs_from_its_region_fails_naming_the_line()
    {
        Write("samples/Sample.cs", "#region hello\nvar x = 1;\n#endregion\n");
        Write("docs/page.md", "<!-- snippet: samples/Sample.cs#hello -->\n```csharp\nvar x = 2;\n```\n");

        var problem = Assert.Single(DocsChecker.Check(_tree.FullName));
        Assert.Contains("docs/page.md:3", problem, StringComparison.Ordinal);
        Assert.Contains("var x = 2;", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_marker_naming_a_missing_region_or_file_fails()
    {
        Write("samples/Sample.cs", "#region hello\nvar x = 1;\n#endregion\n");
        Write("docs/page.md", "<!-- snippet: samples/Sample.cs#goodbye -->\n```csharp\nvar x = 1;\n```\n\n<!-- snippet: samples/Gone.cs#hello -->\n```csharp\nvar x = 1;\n```\n");

        var problems = DocsChecker.Check(_tree.FullName);
        Assert.Equal(2, problems.Count);
        Assert.Contains("#region goodbye", problems[0], StringComparison.Ordinal);
        Assert.Contains("samples/Gone.cs, which does not exist", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_csharp_block_without_a_marker_fails()
    {
        Write("README.md", "# Root\n\n```csharp\nvar x = 1;\n```\n");

        var problem = Assert.Single(DocsChecker.Check(_tree.FullName));
        Assert.Contains("README.md:3", problem, StringComparison.Ordinal);
        Assert.Contains("without a '<!-- snippet", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_link_to_a_missing_file_or_anchor_fails()
    {
        Write("docs/other.md", "# Other\n");
        Write("docs/page.md", "[gone](gone.md) and [no anchor](other.md#nothing-here) and [self](#missing)\n");

        var problems = DocsChecker.Check(_tree.FullName);
        Assert.Equal(3, problems.Count);
        Assert.Contains("docs/gone.md, which does not exist", problems[0], StringComparison.Ordinal);
        Assert.Contains("#nothing-here", problems[1], StringComparison.Ordinal);
        Assert.Contains("#missing", problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_readme_with_a_relative_link_fails()
    {
        Write("docs/page.md", "# Page\n");
        Write("src/Lib/README.md", "# Lib\n\n[Docs](../../docs/page.md) and [site](https://example.com/docs/page.md)\n");

        var problem = Assert.Single(DocsChecker.Check(_tree.FullName));
        Assert.Contains("nuget.org", problem, StringComparison.Ordinal);
    }

    public void Dispose() => _tree.Delete(recursive: true);

    private void Write(string path, string text)
    {
        var full = Path.Combine(_tree.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
