using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KissEf.Tests.Docs;

/// <summary>
/// Checks the Markdown of a repository laid out as KissEf's: <c>README.md</c>, <c>docs/**/*.md</c> and the package
/// readmes <c>src/*/README.md</c>. Every <c>csharp</c> code block is preceded by a marker
/// <c>&lt;!-- snippet: path/File.cs#region-name --&gt;</c> (path from the repository root; without <c>#region-name</c>, the
/// whole file) and equals that region of compiled code, once both lose their common indentation (a block of another
/// language may have a marker too). Every relative link points to a file that exists, and to a heading of it when
/// it names an anchor. A package readme is shown by nuget.org, where relative links lead nowhere: it may only have
/// absolute ones.
/// </summary>
internal static partial class DocsChecker
{
    /// <summary>The problems found, one sentence each, naming the file and line; empty when the docs are sound.</summary>
    public static IReadOnlyList<string> Check(string root)
    {
        var problems = new List<string>();
        foreach (var file in MarkdownFiles(root))
        {
            CheckFile(root, file, problems);
        }

        return problems;
    }

    /// <summary>The Markdown files checked, relative to <paramref name="root"/>, with '/' separators.</summary>
    public static IReadOnlyList<string> MarkdownFiles(string root)
    {
        var files = new List<string>();
        if (File.Exists(Path.Combine(root, "README.md")))
        {
            files.Add("README.md");
        }

        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
                .Select(f => Relative(root, f))
                .Where(f => !f.Split('/').Any(part => part is "bin" or "obj")));
        }

        var src = Path.Combine(root, "src");
        if (Directory.Exists(src))
        {
            files.AddRange(Directory.EnumerateDirectories(src)
                .Select(d => Path.Combine(d, "README.md"))
                .Where(File.Exists)
                .Select(f => Relative(root, f)));
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Whether <paramref name="file"/> is a package's readme (packed into its .nupkg, shown by nuget.org).</summary>
    public static bool IsPackageReadme(string file) => file.StartsWith("src/", StringComparison.Ordinal);

    private static void CheckFile(string root, string file, List<string> problems)
    {
        var lines = File.ReadAllLines(Path.Combine(root, file));
        string? fence = null;
        string? language = null;
        string? marker = null;
        var markerLine = 0;
        var blockStart = 0;
        var block = new List<string>();
        var previous = string.Empty;
        var previousLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (fence is null)
            {
                var open = FenceOpen().Match(trimmed);
                if (open.Success)
                {
                    fence = open.Groups["fence"].Value;
                    language = open.Groups["info"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
                    var snippet = SnippetMarker().Match(previous);
                    marker = snippet.Success ? snippet.Groups["target"].Value : null;
                    markerLine = previousLine;
                    blockStart = i + 1;
                    block.Clear();
                    continue;
                }

                CheckLinks(root, file, i + 1, line, problems);
                if (trimmed.Length > 0)
                {
                    previous = trimmed;
                    previousLine = i + 1;
                }

                continue;
            }

            if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.Trim(fence[0]).Length == 0)
            {
                CheckBlock(root, file, blockStart, language!, marker, markerLine, block, problems);
                fence = null;
                previous = string.Empty;
                continue;
            }

            block.Add(line);
        }

        if (fence is not null)
        {
            problems.Add($"{file}:{blockStart}: the code block is never closed.");
        }
    }

    private static void CheckBlock(string root, string file, int line, string language, string? marker, int markerLine, List<string> block, List<string> problems)
    {
        var csharp = language is "csharp" or "cs" or "c#" or "C#";
        if (marker is null)
        {
            if (csharp)
            {
                problems.Add($"{file}:{line}: a csharp block without a '<!-- snippet: path#region -->' marker on the line before it: every C# sample must come from compiled code.");
            }

            return;
        }

        var hash = marker.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? marker : marker[..hash];
        var region = hash < 0 ? null : marker[(hash + 1)..];
        var full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(full))
        {
            problems.Add($"{file}:{markerLine}: the snippet marker names {path}, which does not exist.");
            return;
        }

        var source = File.ReadAllLines(full);
        var expected = region is null ? source.ToList() : Region(source, region);
        if (expected is null)
        {
            problems.Add($"{file}:{markerLine}: {path} has no '#region {region}' closed by an '#endregion'.");
            return;
        }

        var want = Normalize(expected);
        var have = Normalize(block);
        for (var i = 0; i < Math.Max(want.Count, have.Count); i++)
        {
            var w = i < want.Count ? want[i] : "(end of the region)";
            var h = i < have.Count ? have[i] : "(end of the block)";
            if (!string.Equals(w, h, StringComparison.Ordinal))
            {
                problems.Add(
                    $"{file}:{line + 1 + i}: the block differs from {marker} at its line {i + 1}: the docs have \"{h}\", the code has \"{w}\". " +
                    "Copy the region into the docs (or fix the code).");
                return;
            }
        }
    }

    /// <summary>The lines between <c>#region name</c> and its <c>#endregion</c>, without the lines of nested regions' markers.</summary>
    public static List<string>? Region(IReadOnlyList<string> source, string name)
    {
        var start = -1;
        for (var i = 0; i < source.Count; i++)
        {
            if (RegionName(source[i]) == name)
            {
                if (start >= 0)
                {
                    return null;
                }

                start = i;
            }
        }

        if (start < 0)
        {
            return null;
        }

        var lines = new List<string>();
        var depth = 1;
        for (var i = start + 1; i < source.Count; i++)
        {
            var trimmed = source[i].Trim();
            if (RegionName(source[i]) is not null)
            {
                depth++;
                continue;
            }

            if (trimmed.StartsWith("#endregion", StringComparison.Ordinal))
            {
                if (--depth == 0)
                {
                    return lines;
                }

                continue;
            }

            lines.Add(source[i]);
        }

        return null;
    }

    private static string? RegionName(string line)
    {
        var trimmed = line.Trim();
        return trimmed.StartsWith("#region ", StringComparison.Ordinal) ? trimmed["#region ".Length..].Trim() : null;
    }

    /// <summary>Trailing spaces and blank first and last lines dropped, then the indentation all lines share.</summary>
    public static List<string> Normalize(IEnumerable<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        while (list.Count > 0 && list[0].Length == 0)
        {
            list.RemoveAt(0);
        }

        while (list.Count > 0 && list[^1].Length == 0)
        {
            list.RemoveAt(list.Count - 1);
        }

        var indent = list.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return list.Select(l => l.Length == 0 ? l : l[indent..]).ToList();
    }

    private static void CheckLinks(string root, string file, int line, string text, List<string> problems)
    {
        // Links inside inline code are text, not links.
        var prose = InlineCode().Replace(text, string.Empty);
        foreach (Match link in Link().Matches(prose))
        {
            var target = link.Groups["target"].Value;
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)
                || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            if (IsPackageReadme(file))
            {
                problems.Add($"{file}:{line}: the relative link '{target}' leads nowhere on nuget.org: a package readme links with absolute URLs.");
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var path = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var linked = path.Length == 0
                ? file
                : Relative(root, Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file) ?? string.Empty, Uri.UnescapeDataString(path))));
            var full = Path.Combine(root, linked);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                problems.Add($"{file}:{line}: the link '{target}' points to {linked}, which does not exist.");
                continue;
            }

            if (anchor is not null)
            {
                if (!linked.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(full))
                {
                    problems.Add($"{file}:{line}: the link '{target}' has an anchor, but {linked} is not a Markdown file.");
                }
                else if (!Anchors(File.ReadAllLines(full)).Contains(anchor))
                {
                    problems.Add($"{file}:{line}: the link '{target}' names the anchor #{anchor}, and {linked} has no such heading.");
                }
            }
        }
    }

    /// <summary>The anchors of a Markdown file's headings, as GitHub makes them (duplicates get -1, -2...).</summary>
    public static HashSet<string> Anchors(IEnumerable<string> lines)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? fence = null;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            var open = FenceOpen().Match(trimmed);
            if (fence is null && open.Success)
            {
                fence = open.Groups["fence"].Value;
                continue;
            }

            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.Trim(fence[0]).Length == 0)
                {
                    fence = null;
                }

                continue;
            }

            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var n = counts.GetValueOrDefault(slug);
            counts[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n.ToString(CultureInfo.InvariantCulture)}");
        }

        return anchors;
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');

    [GeneratedRegex(@"^(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FenceOpen();

    [GeneratedRegex(@"^<!--\s*snippet:\s*(?<target>\S+)\s*-->$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
