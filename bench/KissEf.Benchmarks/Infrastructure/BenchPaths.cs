namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// Where the benchmarks' SQLite files live: one folder per process under the temp folder, deleted when the
/// process ends (and each benchmark class deletes its own sub-folder in its GlobalCleanup).
/// </summary>
public static class BenchPaths
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "kissef-bench", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    });

    private static readonly Lazy<string> TmpfsRootFolder = new(() =>
    {
        // tmpfs when the machine has one (Linux): figures about CPU should not wait on a disk.
        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var root = Path.Combine(shm, "kissef-bench", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    });

    public static string Root => RootFolder.Value;

    /// <summary>The per-process folder on tmpfs (/dev/shm), or <see cref="Root"/>'s parent when there is none.</summary>
    public static string TmpfsRoot => TmpfsRootFolder.Value;

    /// <summary>A new, empty folder under <see cref="TmpfsRoot"/>.</summary>
    public static string NewTmpfsFolder(string name)
    {
        var folder = Path.Combine(TmpfsRoot, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A new, empty folder under <see cref="Root"/>.</summary>
    public static string NewFolder(string name)
    {
        var folder = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Removes the folders of earlier runs whose process is gone (a run killed before its clean-up).</summary>
    public static void RemoveStaleRuns()
    {
        RemoveStaleRuns(Path.Combine(Path.GetTempPath(), "kissef-bench"));
        RemoveStaleRuns("/dev/shm/kissef-bench");
    }

    private static void RemoveStaleRuns(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(parent))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && pid != Environment.ProcessId && !IsAlive(pid))
            {
                TryDelete(folder);
            }
        }
    }

    public static void TryDelete(string folder)
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
