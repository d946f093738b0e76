using System.Linq.Expressions;
using System.Reflection;
using KissEf.Capture;

namespace KissEf.Mapping;

/// <summary>
/// A value a map reads from an entity. Every member of the entity the expression touches (<c>c.Id</c> in
/// <c>c =&gt; c.Id.ToString()</c>) is rewritten to read EF's entry when it is a mapped property, because the
/// entry holds store-generated values before the CLR object does (SaveChanges' own transaction commits
/// before EF copies them over). Navigations and unmapped members are read from the CLR object.
/// </summary>
internal sealed class KissValue<TEntity>
    where TEntity : class
{
    private static readonly MethodInfo ReadMethod = typeof(KissEntryValues).GetMethod(nameof(KissEntryValues.Read))!;

    private readonly LambdaExpression _expression;
    private Func<TEntity, KissEntryValues, object?>? _read;

    private KissValue(LambdaExpression expression, string? memberName)
    {
        _expression = expression;
        Text = expression.ToString();
        MemberName = memberName;
    }

    /// <summary>The expression as written, for error messages.</summary>
    public string Text { get; }

    /// <summary>The member read when the expression is a plain member access of the entity, else null.</summary>
    public string? MemberName { get; }

    /// <summary>The map's slot for <see cref="MemberName"/> (set once when the map is compiled), or -1.</summary>
    public int Slot { get; private set; } = -1;

    /// <summary>Evaluates the expression, reading mapped members from the entry (compiled by <see cref="Compile"/>).</summary>
    public Func<TEntity, KissEntryValues, object?> Read => _read ?? throw new InvalidOperationException("The value was not compiled.");

    /// <summary>Captures <paramref name="expression"/>; it is compiled with the map.</summary>
    public static KissValue<TEntity> From<TValue>(Expression<Func<TEntity, TValue>> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var body = Unwrap(expression.Body);
        var member = body is MemberExpression { Member: PropertyInfo or FieldInfo } access
                     && access.Expression == expression.Parameters[0]
            ? access.Member.Name
            : null;
        return new KissValue<TEntity>(expression, member);
    }

    /// <summary>The members of the entity the expression reads directly.</summary>
    public IEnumerable<string> Members()
    {
        var finder = new MemberFinder(_expression.Parameters[0]);
        finder.Visit(_expression.Body);
        return finder.Found;
    }

    /// <summary>Compiles once, to a typed delegate; <paramref name="slotOf"/> gives each member's slot.</summary>
    public void Compile(Func<string, int> slotOf)
    {
        if (MemberName is not null)
        {
            Slot = slotOf(MemberName);
        }

        var entity = _expression.Parameters[0];
        var values = Expression.Parameter(typeof(KissEntryValues), "values");
        var body = new EntryRewriter(entity, values, slotOf).Visit(_expression.Body);
        var lambda = Expression.Lambda<Func<TEntity, KissEntryValues, object?>>(
            Expression.Convert(body, typeof(object)), entity, values);
        _read = lambda.Compile();
    }

    private static Expression Unwrap(Expression body)
    {
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            body = convert.Operand;
        }

        return body;
    }

    private static bool IsEntityMember(MemberExpression node, ParameterExpression entity)
        => node.Expression == entity && node.Member is PropertyInfo or FieldInfo;

    private sealed class MemberFinder(ParameterExpression entity) : ExpressionVisitor
    {
        public List<string> Found { get; } = [];

        protected override Expression VisitMember(MemberExpression node)
        {
            if (IsEntityMember(node, entity))
            {
                Found.Add(node.Member.Name);
                return node;
            }

            return base.VisitMember(node);
        }
    }

    /// <summary>Turns <c>e.M</c> into <c>(T)values.Read(slot, e.M)</c>.</summary>
    private sealed class EntryRewriter(ParameterExpression entity, ParameterExpression values, Func<string, int> slotOf) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node)
        {
            if (!IsEntityMember(node, entity))
            {
                return base.VisitMember(node);
            }

            var read = Expression.Call(
                values,
                ReadMethod,
                Expression.Constant(slotOf(node.Member.Name)),
                Expression.Convert(node, typeof(object)));
            return Expression.Convert(read, node.Type);
        }
    }
}
