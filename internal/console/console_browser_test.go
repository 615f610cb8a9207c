package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/platform/platformtest"
)

var (
	chromiumOnce sync.Once
	chromiumPath string
	chromiumErr  error
)

// findChromium returns a Chromium binary, installing Debian's chromium package when none
// is found and this process may (root with apt-get), as CI on a fresh machine needs.
func findChromium() (string, error) {
	chromiumOnce.Do(func() {
		look := func() string {
			for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
				if path, err := exec.LookPath(p); err == nil {
					return path
				}
			}
			return ""
		}
		if chromiumPath = look(); chromiumPath != "" {
			return
		}
		if os.Geteuid() != 0 {
			chromiumErr = fmt.Errorf("chromium not found and not root, so it cannot be installed (apt-get install -y chromium)")
			return
		}
		if _, err := exec.LookPath("apt-get"); err != nil {
			chromiumErr = fmt.Errorf("chromium not found and no apt-get to install it")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei")
		if out, err := cmd.CombinedOutput(); err != nil {
			chromiumErr = fmt.Errorf("apt-get install chromium: %v: %s", err, out)
			return
		}
		if chromiumPath = look(); chromiumPath == "" {
			chromiumErr = fmt.Errorf("chromium installed but not found on PATH")
		}
	})
	return chromiumPath, chromiumErr
}

// browser is one headless Chromium with a fresh profile, and a folder of screenshots.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	n    int
	base string
}

func newBrowser(t *testing.T, base, shots string) *browser {
	path, err := findChromium()
	if err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 75*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return &browser{t: t, ctx: ctx, dir: shots, base: base}
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		url, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s (at %s): %v", what, url, err)
	}
}

// eval runs JavaScript in the page (awaiting a promise) and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// shot saves a full-page PNG of what the browser shows.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	if err := os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644); err != nil {
		b.t.Error(err)
	}
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.run("sign in as "+email,
		chromedp.Navigate(b.base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#sign-out")),
	)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.run("sign out", chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#email")))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// A staff member signs in, finds a tenant installed through the simulator, opens it,
// replays one of its events and forces a token refresh, and an admin sees both in the
// audit log; a viewer sees no action and is refused if it tries anyway.
func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	if _, err := findChromium(); err != nil {
		t.Skipf("browser test skipped: %v", err)
	}
	shots, err := os.MkdirTemp("", "console-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	fmt.Printf("console browser test: screenshots in %s\n", shots)

	e := platformtest.StartE2E(t)
	inst := installTenant(t, e, "Browser Test Corp")
	pushChangeAuth(t, e, inst.CorpID)
	opEmail, opPw := newStaff(t, e.Env, console.RoleOperator)
	adminEmail, adminPw := newStaff(t, e.Env, console.RoleAdmin)
	viewerEmail, viewerPw := newStaff(t, e.Env, console.RoleViewer)

	tenantURL := e.API.URL + "/console/tenants/" + platformtest.SuiteID + "/" + inst.CorpID
	b := newBrowser(t, e.API.URL, shots)
	b.run("open login", chromedp.Navigate(e.API.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	b.shot("login")
	b.signIn(opEmail, opPw)
	b.shot("dashboard")

	b.run("search tenant",
		chromedp.Navigate(e.API.URL+"/console/tenants"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "browser test"),
		chromedp.Click(chromedp.CSS("#search")),
		// Only the answer to this search carries its query: the list before it also
		// has tenant links.
		chromedp.WaitVisible(chromedp.CSS(`#tenants[data-q="browser test"] a.tenant-link`)),
	)
	if got := b.text("#tenants tbody"); !strings.Contains(got, inst.CorpID) || !strings.Contains(got, "Browser Test Corp") {
		t.Fatalf("search result: %q", got)
	}
	b.shot("tenants-search")
	b.run("open tenant", chromedp.Click(chromedp.CSS("a.tenant-link")), chromedp.WaitVisible(chromedp.CSS("#corp-id")))
	if got := b.text("#corp-id"); got != inst.CorpID {
		t.Fatalf("tenant page shows corp %q, want %s", got, inst.CorpID)
	}
	b.shot("tenant")

	b.run("open its create_auth event",
		chromedp.Click(chromedp.CSS(`a.event-link[data-type="create_auth"]`)),
		chromedp.WaitVisible(chromedp.CSS("#payload")))
	if got := b.text("#payload"); !strings.Contains(got, "<AuthCode>[masked, ") || strings.Contains(got, inst.AuthCode) {
		t.Errorf("create_auth payload not masked:\n%s", got)
	}
	b.shot("event-create-auth-masked")
	b.run("back to the tenant", chromedp.Navigate(tenantURL), chromedp.WaitVisible(chromedp.CSS("#corp-id")))
	b.run("open its change_auth event",
		chromedp.Click(chromedp.CSS(`a.event-link[data-type="change_auth"]`)),
		chromedp.WaitVisible(chromedp.CSS("#payload")))
	b.shot("event")
	b.run("replay", chromedp.Click(chromedp.CSS("#replay")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	b.shot("event-replayed")

	b.run("force token refresh",
		chromedp.Navigate(tenantURL), chromedp.WaitVisible(chromedp.CSS("#refresh-token")),
		chromedp.Click(chromedp.CSS("#refresh-token")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := b.text("#credentials"); !strings.Contains(got, "corp") || !strings.Contains(got, "ok") {
		t.Errorf("credentials after refresh: %q", got)
	}
	b.shot("tenant-token-refreshed")
	for _, p := range []string{"events", "suites", "queues"} {
		b.run("open "+p, chromedp.Navigate(e.API.URL+"/console/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		b.shot(p)
	}
	b.signOut()

	b.signIn(adminEmail, adminPw)
	b.run("audit log", chromedp.Navigate(e.API.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	audit := b.text("#audit tbody")
	for _, want := range []string{console.ActionReplayEvent, console.ActionRefreshToken, opEmail, "tenant:" + platformtest.SuiteID + "/" + inst.CorpID} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q:\n%s", want, audit)
		}
	}
	b.shot("audit")
	b.run("staff page", chromedp.Navigate(e.API.URL+"/console/staff"), chromedp.WaitVisible(chromedp.CSS("#staff")))
	b.shot("staff")
	b.signOut()

	// A viewer sees the tenant but no action, and a forged request is refused.
	b.signIn(viewerEmail, viewerPw)
	b.run("viewer opens tenant", chromedp.Navigate(tenantURL), chromedp.WaitVisible(chromedp.CSS("#corp-id")))
	if buttons := eval[int](b, `document.querySelectorAll("#refresh-token, #resync, #purge").length`); buttons != 0 {
		t.Errorf("viewer sees %d action buttons", buttons)
	}
	b.shot("viewer-tenant")
	for _, path := range []string{"/console/api/tenants/" + platformtest.SuiteID + "/" + inst.CorpID + "/refresh-token", "/console/api/events/1/replay"} {
		js := fmt.Sprintf(`fetch(%q, {method: "POST", headers: {"X-CSRF-Token": document.querySelector("input[name=csrf_token]").value}}).then(r => r.status)`, path)
		if status := eval[int](b, js); status != 403 {
			t.Errorf("viewer POST %s: %d, want 403", path, status)
		}
	}
	b.run("viewer opens an event", chromedp.Navigate(e.API.URL+"/console/events?corp_id="+inst.CorpID),
		chromedp.Click(chromedp.CSS("a.event-link")), chromedp.WaitVisible(chromedp.CSS("#payload")))
	if replay := eval[int](b, `document.querySelectorAll("#replay").length`); replay != 0 {
		t.Error("viewer sees the replay button")
	}
	b.shot("viewer-event")

	// The viewer's refusals did nothing: the audit log has one refresh and one replay.
	entries, err := console.NewAuditLog(e.Deps.DB).List(context.Background(), console.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, en := range entries {
		count[en.Action]++
	}
	if count[console.ActionRefreshToken] != 1 || count[console.ActionReplayEvent] != 1 {
		t.Errorf("audit counts: %v", count)
	}
	t.Logf("%d screenshots in %s", b.n, shots)
}
