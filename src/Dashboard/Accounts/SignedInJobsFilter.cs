using Hangfire.Dashboard;

namespace Alerts.Dashboard.Accounts;

/// <summary>Hangfire's dashboard for signed-in Dashboard users only (Hangfire's default lets only local requests in).</summary>
public sealed class SignedInJobsFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => context.GetHttpContext().User.Identity?.IsAuthenticated == true;
}
