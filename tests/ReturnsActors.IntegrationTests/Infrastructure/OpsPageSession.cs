using Microsoft.Playwright;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>The operations page in Debian's headless Chromium, signed in and loaded; collects console and page errors.</summary>
internal sealed class OpsPageSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private OpsPageSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => Errors.Add(error);
    }

    public IPage Page { get; }
    public List<string> Errors { get; } = [];

    public static async Task<OpsPageSession> OpenAsync(Uri silo, string apiKey, string tenant)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var session = new OpsPageSession(playwright, browser, page);
        await page.GotoAsync(new Uri(silo, "/ops").ToString());
        await page.FillAsync("#apiKey", apiKey);
        await page.FillAsync("#tenant", tenant);
        await page.ClickAsync("#login button[type=submit]");
        await page.WaitForSelectorAsync("body[data-loaded=true]", new PageWaitForSelectorOptions { Timeout = 20000 });
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
