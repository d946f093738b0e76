using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using KissEf.Tests.Support;

namespace KissEf.Tests.Docs;

/// <summary>
/// The quick starts of README.md and docs/ run as a user runs them: the compiled samples
/// (docs/samples/KissEf.DocSamples) in a child process, in a folder of their own, with the host's default logging.
/// </summary>
public sealed class QuickStartRunTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("kissef-quickstart-");

    [Fact]
    public async Task The_console_quick_start_prints_the_dry_run_of_Signed_Up_and_exits_0()
    {
        using var child = Start("console");

        await child.WaitForExitAsync(Deadline);

        var output = child.Output;
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}:{Environment.NewLine}{output}");

        // The line README.md and docs/getting-started-console.md show, the time aside.
        Assert.Matches(
            @"KissEf dry run: https://trk\.kissmetrics\.com/e\?_k=\*\*\*&_p=ann%40example\.com&_n=Signed%20Up&_t=\d+&_d=1&plan=Free&customer%20id=1",
            output);
        Assert.True(File.Exists(Path.Combine(_folder.FullName, "shop.db")), "the quick start's SQLite file is in the working folder");
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_aspnetcore_quick_start_serves_health_dry_runs_a_sign_up_in_Development_and_stops_on_SIGTERM_with_0()
    {
        // The project folder is the content root, as `dotnet run` makes it: its appsettings*.json are the page's. (The
        // tests' output folder also receives the appsettings files of tests/KissEf.WebHost, which would win there.)
        var content = Path.Combine(Repository.Root(), "docs", "samples", "KissEf.DocSamples");
        using var child = Start("web", "--environment", "Development", "--contentRoot", content, "--urls", "http://127.0.0.1:0");

        var address = await child.WaitForLineAsync(new Regex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)"), Deadline);
        using var http = new HttpClient { BaseAddress = new Uri(address.Groups["url"].Value) };

        var created = await http.PostAsJsonAsync("/customers", new { email = "bob@example.com", plan = "Pro" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The dispatcher sends in the background after the commit; in Development (appsettings.Development.json) it is a dry run.
        await child.WaitForLineAsync(
            new Regex(@"KissEf dry run: https://trk\.kissmetrics\.com/e\?_k=\*\*\*&_p=bob%40example\.com&_n=Signed%20Up&_t=\d+&_d=1&plan=Pro&customer%20id=1"),
            Deadline);

        var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());

        child.Terminate();
        await child.WaitForExitAsync(Deadline);
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}:{Environment.NewLine}{child.Output}");
        Assert.DoesNotContain("fail:", child.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>The samples' dll, copied next to the tests by their ProjectReference (with its runtimeconfig).</summary>
    private static string SamplesAssembly() => typeof(Shop.ConsoleQuickStart).Assembly.Location;

    private SampleProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            WorkingDirectory = _folder.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SamplesAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // As a user's shell would: no environment name of the test host's, no colour codes in the log.
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        return new SampleProcess(Process.Start(start)!);
    }

    /// <summary>A running sample whose output (stdout and stderr) is collected line by line.</summary>
    private sealed class SampleProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private TaskCompletionSource _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SampleProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public int ExitCode => _process.ExitCode;

        public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (true)
            {
                Task next;
                lock (_output)
                {
                    var match = pattern.Match(_output.ToString());
                    if (match.Success)
                    {
                        return match;
                    }

                    if (_process.HasExited)
                    {
                        Assert.Fail($"the sample exited ({_process.ExitCode}) before printing {pattern}:{Environment.NewLine}{_output}");
                    }

                    next = _line.Task;
                }

                try
                {
                    await next.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"the sample did not print {pattern} within {timeout}:{Environment.NewLine}{Output}");
                }
            }
        }

        public async Task WaitForExitAsync(TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the sample did not exit within {timeout}:{Environment.NewLine}{Output}");
            }

            // The parameterless wait also waits for the end of the redirected output.
            await _process.WaitForExitAsync();
        }

        /// <summary>SIGTERM, as a container runtime or systemd stops a service.</summary>
        public void Terminate()
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            TaskCompletionSource signal;
            lock (_output)
            {
                _output.AppendLine(line);
                (signal, _line) = (_line, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            signal.SetResult();
        }
    }
}
