using System.Security.Claims;
using KissEf;
using Microsoft.AspNetCore.Http;

namespace Shop.Privacy;

#region consent-service
public sealed class AnalyticsConsent(IHttpContextAccessor http, IAnalyticsOptOuts optOuts) : IKissConsent
{
    public bool MayTrack(string person)
    {
        // The request's own user: their answer to the cookie banner, in this request.
        if (http.HttpContext is { } request && request.User.FindFirstValue(ClaimTypes.Email) == person)
        {
            return request.Request.Cookies["analytics"] == "yes";
        }

        // Anyone else (an admin changed their order, say): what they chose last.
        return !optOuts.HasOptedOut(person);
    }
}
#endregion
