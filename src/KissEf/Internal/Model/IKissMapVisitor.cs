namespace KissEf.Internal.Model;

/// <summary>
/// Typed code of a layer above the model (building calls, enumerating tracked entries) run over a map whose CLR type
/// the caller does not know. A struct, so that the one call into it is direct: the map's <c>Accept</c> is the only
/// dispatch, as the interface call it replaces was.
/// </summary>
internal interface IKissMapVisitor
{
    void Visit<TEntity>(KissEntityMap<TEntity> map)
        where TEntity : class;
}
