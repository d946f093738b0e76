using Shop;
using Shop.Web;

// The runnable samples of the docs, one per command: tests run them as child processes, as a user runs them.
switch (args)
{
    case ["console", .. var rest]:
        await ConsoleQuickStart.RunAsync(rest);
        return 0;
    case ["web", .. var rest]:
        await WebQuickStart.RunAsync(rest);
        return 0;
    default:
        Console.Error.WriteLine("Usage: KissEf.DocSamples console | web [host arguments]");
        return 2;
}
