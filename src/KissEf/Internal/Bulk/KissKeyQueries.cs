using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Bulk;

/// <summary>
/// The queries a tracked bulk operation pages and restricts its rows with, over the entity's one-property primary key:
/// the next chunk in key order after the last key read, and the rows of the chunk's keys. Their values are parameters
/// (read from <see cref="Chunk"/>), so each shape is compiled once per run.
/// </summary>
/// <typeparam name="TEntity">The entity type of the operation's query.</typeparam>
internal sealed class KissKeyQueries<TEntity>
    where TEntity : class
{
    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    private readonly LambdaExpression _order;
    private readonly Expression<Func<TEntity, bool>> _after;
    private readonly Expression<Func<TEntity, bool>> _inChunk;
    private readonly IClrPropertyGetter _getter;

    /// <param name="key">The entity's primary key property.</param>
    public KissKeyQueries(IProperty key)
    {
        Key = key;
        _getter = key.GetGetter();
        Chunk = (IKissKeyChunk)Activator.CreateInstance(typeof(KissKeyChunk<>).MakeGenericType(key.ClrType))!;

        var entity = Expression.Parameter(typeof(TEntity), "e");
        var keyOf = Expression.Call(PropertyMethod.MakeGenericMethod(key.ClrType), entity, Expression.Constant(key.Name));
        var chunk = Expression.Constant(Chunk);
        _order = Expression.Lambda(keyOf, entity);
        _after = Expression.Lambda<Func<TEntity, bool>>(Greater(keyOf, Expression.Property(chunk, "Last")), entity);
        // EF.Parameter: the keys go as one parameter (a JSON array on SQLite, an array on PostgreSQL), not as one
        // parameter per key, EF 10's default, whose SQL the database parses anew for each chunk (measured: half the
        // time of a tracked update of 10,000 rows on SQLite went to that).
        var keys = Expression.Call(typeof(EF), nameof(EF.Parameter), [key.ClrType.MakeArrayType()], Expression.Property(chunk, "Values"));
        _inChunk = Expression.Lambda<Func<TEntity, bool>>(
            Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [key.ClrType], keys, keyOf),
            entity);
    }

    /// <summary>The primary key property the rows are paged by.</summary>
    public IProperty Key { get; }

    /// <summary>The current chunk's keys and the last key read.</summary>
    public IKissKeyChunk Chunk { get; }

    /// <summary>The key of <paramref name="row"/>, boxed.</summary>
    public object KeyOf(TEntity row) => _getter.GetClrValue(row)!;

    /// <summary>The next <paramref name="size"/> rows of <paramref name="rows"/> in key order: the first, or those after <see cref="IKissKeyChunk.SetLast"/>.</summary>
    public IQueryable<TEntity> Next(IQueryable<TEntity> rows, bool first, int size)
    {
        var page = first ? rows : rows.Where(_after);
        var ordered = page.Provider.CreateQuery<TEntity>(Expression.Call(
            typeof(Queryable), nameof(Queryable.OrderBy), [typeof(TEntity), Key.ClrType], page.Expression, Expression.Quote(_order)));
        return ordered.Take(size);
    }

    /// <summary>The rows of <paramref name="rows"/> whose keys are the chunk's.</summary>
    public IQueryable<TEntity> InChunk(IQueryable<TEntity> rows) => rows.Where(_inChunk);

    /// <summary><c>key &gt; last</c>, in SQL: the operator where the key's CLR type has one, else a comparison EF translates.</summary>
    private static BinaryExpression Greater(Expression key, Expression last)
    {
        if (key.Type == typeof(string))
        {
            var compare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;
            return Expression.GreaterThan(Expression.Call(compare, key, last), Expression.Constant(0));
        }

        try
        {
            return Expression.GreaterThan(key, last);
        }
        catch (InvalidOperationException)
        {
            // A key type with no > operator (a Guid): CompareTo, which EF turns back into the database's comparison.
            return Expression.GreaterThan(Expression.Call(key, "CompareTo", null, last), Expression.Constant(0));
        }
    }
}
