using System.Security.Claims;
using KissEf;
using Microsoft.AspNetCore.Http;

namespace Shop.Maps;

#region acting-user
public sealed class TodoItemTracking : IKissEntityTypeConfiguration<TodoItem>
{
    public void Configure(KissEntityTypeBuilder<TodoItem> item)
    {
        item.HasIdentity(i => i.OwnerEmail);
        item.OnAdded().Record("Created Todo");   // the owner
        item.OnDeleted()
            .IdentifiedBy<IHttpContextAccessor>(http => http.HttpContext?.User.FindFirstValue(ClaimTypes.Email))
            .Record("Deleted Todo");              // whoever deleted it
    }
}
#endregion
