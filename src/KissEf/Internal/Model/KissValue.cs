using System.Linq.Expressions;
using System.Reflection;

namespace KissEf.Internal.Model;

/// <summary>
/// A value a map reads from an entity. Every member path of the entity the expression touches (<c>c.Id</c> in
/// <c>c =&gt; c.Id.ToString()</c>, <c>c.Address.City</c>, <c>o.Customer.Email</c>) is rewritten to read EF's
/// entries when EF maps it (a property, a property of an owned or complex type, a reference navigation), because
/// the entries hold the values as saved: store-generated values are there before the CLR object has them
/// (SaveChanges' own transaction commits before EF copies them over), and a deleted entity's values are read
/// as they were. A path EF does not map is read from the CLR object. A value may also read an application service
/// (<c>HasIdentity&lt;TService&gt;((e, s) =&gt; …)</c>): only the entity's member paths are rewritten, never the
/// service's, and it is compiled to a delegate of its own so that a value without a service costs nothing more.
/// </summary>
internal sealed class KissValue<TEntity>
    where TEntity : class
{
    private static readonly MethodInfo ReadMethod = typeof(KissSlotValues).GetMethod(nameof(KissSlotValues.Read))!;
    private static readonly MethodInfo MapsMethod = typeof(KissSlotValues).GetMethod(nameof(KissSlotValues.Maps))!;

    private readonly LambdaExpression _expression;
    private Func<TEntity, KissSlotValues, object?>? _read;
    private Func<TEntity, object, KissSlotValues, object?>? _readWithService;

    private KissValue(LambdaExpression expression, string? memberPath, Type? serviceType)
    {
        _expression = expression;
        Text = expression.ToString();
        MemberName = memberPath;
        ServiceType = serviceType;
    }

    /// <summary>The expression as written, for error messages.</summary>
    public string Text { get; }

    /// <summary>
    /// The member path when the expression is a plain chain of member accesses of the entity (<c>e.Plan</c>:
    /// "Plan", <c>e.Address.City</c>: "Address.City"), else null.
    /// </summary>
    public string? MemberName { get; }

    /// <summary>The map's slot for <see cref="MemberName"/> (set once when the map is compiled), or -1.</summary>
    public int Slot { get; private set; } = -1;

    /// <summary>The value's bit in the changed-members mask: set for a watched member path, else 0.</summary>
    public ulong Bit => Slot is >= 0 and < KissEntityMap.MaxWatched ? 1UL << Slot : 0;

    /// <summary>
    /// The application service the expression reads besides the entity (its second parameter), resolved when the
    /// calls are built; null for an expression of the entity alone.
    /// </summary>
    public Type? ServiceType { get; }

    /// <summary>Evaluates the expression, reading mapped members from the entry (compiled by <see cref="Compile"/>).</summary>
    public Func<TEntity, KissSlotValues, object?> Read => _read ?? throw new InvalidOperationException("The value was not compiled.");

    /// <summary>
    /// Evaluates an expression that reads <see cref="ServiceType"/> too, given the resolved service (an instance of
    /// it); the entity's members are read as <see cref="Read"/> reads them.
    /// </summary>
    public Func<TEntity, object, KissSlotValues, object?> ReadWithService
        => _readWithService ?? throw new InvalidOperationException("The value was not compiled, or reads no service.");

    /// <summary>Captures <paramref name="expression"/>; it is compiled with the map.</summary>
    public static KissValue<TEntity> From<TValue>(Expression<Func<TEntity, TValue>> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new KissValue<TEntity>(expression, PathOf(Unwrap(expression.Body), expression.Parameters[0]), null);
    }

    /// <summary>Captures <paramref name="expression"/> of the entity and an application service; compiled with the map.</summary>
    public static KissValue<TEntity> From<TService, TValue>(Expression<Func<TEntity, TService, TValue>> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new KissValue<TEntity>(expression, PathOf(Unwrap(expression.Body), expression.Parameters[0]), typeof(TService));
    }

    /// <summary>Compiles once, to a typed delegate; <paramref name="slotOf"/> gives each member path's slot.</summary>
    public void Compile(Func<string, int> slotOf)
    {
        if (MemberName is not null)
        {
            Slot = slotOf(MemberName);
        }

        var entity = _expression.Parameters[0];
        var values = Expression.Parameter(typeof(KissSlotValues), "values");
        var body = Expression.Convert(new EntryRewriter(entity, values, slotOf).Visit(_expression.Body), typeof(object));
        if (ServiceType is null)
        {
            _read = Expression.Lambda<Func<TEntity, KissSlotValues, object?>>(body, entity, values).Compile();
            return;
        }

        // The service comes in as an object (its type is the map's, not the caller's): the lambda's own service
        // parameter becomes a local, assigned once from it, so the body is used as written.
        var service = _expression.Parameters[1];
        var resolved = Expression.Parameter(typeof(object), "resolved");
        var block = Expression.Block(
            typeof(object),
            [service],
            Expression.Assign(service, Expression.Convert(resolved, service.Type)),
            body);
        _readWithService = Expression.Lambda<Func<TEntity, object, KissSlotValues, object?>>(block, entity, resolved, values).Compile();
    }

    /// <summary>The dotted path of a chain of member accesses rooted at <paramref name="entity"/>, or null.</summary>
    private static string? PathOf(Expression node, ParameterExpression entity)
    {
        var names = new List<string>();
        while (node is MemberExpression { Member: PropertyInfo or FieldInfo } access)
        {
            names.Add(access.Member.Name);
            if (access.Expression is null)
            {
                return null;
            }

            node = Unwrap(access.Expression);
        }

        if (node != entity || names.Count == 0)
        {
            return null;
        }

        names.Reverse();
        return string.Join('.', names);
    }

    private static Expression Unwrap(Expression body)
    {
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            body = convert.Operand;
        }

        return body;
    }

    /// <summary>
    /// Turns every member path <c>e.A.B</c> into <c>values.Maps(slot) ? (T)values.Read(slot) : (prefix read).B</c>:
    /// the longest prefix EF maps is read from the entries, the rest from the CLR object. Whether a slot is
    /// mapped depends on the EF model, known only when the save runs.
    /// </summary>
    private sealed class EntryRewriter(ParameterExpression entity, ParameterExpression values, Func<string, int> slotOf) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Member is not (PropertyInfo or FieldInfo) || node.Expression is null || PathOf(node, entity) is not { } path)
            {
                return base.VisitMember(node);
            }

            // The inner part of the path, itself rewritten, is the CLR fallback's target.
            var inner = Visit(node.Expression);
            var clr = node.Update(inner);
            var slot = Expression.Constant(slotOf(path));
            return Expression.Condition(
                Expression.Call(values, MapsMethod, slot),
                Expression.Convert(Expression.Call(values, ReadMethod, slot), node.Type),
                clr);
        }
    }
}
