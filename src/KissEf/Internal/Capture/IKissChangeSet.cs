namespace KissEf.Internal.Capture;

/// <summary>Where a map puts the changes it finds in the change tracker (a save's, in Capture).</summary>
internal interface IKissChangeSet
{
    /// <summary>Adds an addition or modification; its calls are built from the values as saved, later.</summary>
    void Add(KissCapturedChange change);

    /// <summary>Adds a deletion, building its calls now, from the values as they were.</summary>
    void AddDeleted(KissCapturedChange change);

    /// <summary>True when a change of <paramref name="entity"/> is already there.</summary>
    bool Contains(object entity);
}
