namespace Shop.Maps;

public sealed class TodoItem
{
    public int Id { get; set; }
    public required string OwnerEmail { get; set; }
    public bool IsDeleted { get; set; }
}
