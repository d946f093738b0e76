namespace Shop.Privacy;

/// <summary>The persons who refused analytics (docs/privacy.md): the application's own store, kept in memory here.</summary>
public interface IAnalyticsOptOuts
{
    bool HasOptedOut(string person);
}
