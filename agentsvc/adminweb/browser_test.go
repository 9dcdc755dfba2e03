//go:build browser

// Browser tests: the pages and an exported report in a real headless Chromium (issue 7, "Test
// them in a real headless Chromium"). They need the chromium binary, so they sit behind the
// `browser` build tag and `make browser-test` runs them; `make test` does not.
package adminweb

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"patchdesk/assets/echarts"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
	"patchdesk/model/reports/reportstest"
)

// browserTimeout bounds one test's whole browser session, so a hung Chromium fails the test
// instead of the package's 10-minute deadline.
const browserTimeout = 90 * time.Second

// chromiumPath finds the browser: $PATCHDESK_CHROMIUM, else Debian's chromium, else the usual
// names on PATH.
func chromiumPath() string {
	if p := os.Getenv("PATCHDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no chromium binary found (PATCHDESK_CHROMIUM, chromium, chromium-browser, google-chrome): install it with `apt-get install chromium` or run `make browser-test`")
	}
	if _, err := echarts.Script(); err != nil {
		t.Skipf("charts cannot draw: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	// The flags are the whole list on purpose (not chromedp's defaults): no first-run UI, no
	// background traffic to Google, and the httptest certificate accepted.
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 1000)); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return tab
}

// chartDrawn is true once every ECharts canvas in the page has a size and pixels that differ
// from a blank canvas of that size. ECharts animates, so this is polled rather than read once.
const chartDrawn = `(() => {
  const cs = Array.from(document.querySelectorAll("canvas"));
  if (cs.length === 0) return false;
  return cs.every(c => {
    if (c.width === 0 || c.height === 0) return false;
    const blank = document.createElement("canvas");
    blank.width = c.width; blank.height = c.height;
    return c.toDataURL() !== blank.toDataURL();
  });
})()`

// screenshotDir is where PNGs go: $PATCHDESK_SCREENSHOTS (make browser-test sets the git-ignored
// screenshots/), else the test's temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("PATCHDESK_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("screenshot folder: %v", err)
		}
		return d
	}
	return t.TempDir()
}

func signInThroughForm(ctx context.Context, base, name, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)),
	)
}

func TestBrowserDashboard(t *testing.T) {
	s := newSite(t)
	reportstest.SeedCompliance(t, s.store)
	ctx := newBrowser(t)

	t.Run("wrong password", func(t *testing.T) {
		if err := signInThroughForm(ctx, s.srv.URL, adminName, "correct horse batteries"); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`p.error[role="alert"]`))); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.error[role="alert"]`)))
		if err != nil {
			t.Fatal(err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "Wrong name or password.") || !strings.HasSuffix(loc, "/signin") {
			t.Fatalf("a wrong password left the browser at %s saying %q", loc, msg)
		}
	})

	t.Run("sign in and dashboard", func(t *testing.T) {
		if err := signInThroughForm(ctx, s.srv.URL, adminName, adminPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.chart canvas`))); err != nil {
			t.Fatalf("the dashboard's chart did not appear: %v", err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](chartDrawn, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("the dashboard's charts did not draw: %v", err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasSuffix(loc, "/dashboard") {
			t.Fatalf("signed in at %s, want /dashboard", loc)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		savePNG(t, "browser-dashboard.png", shot)
	})

	// A signed-in browser submits forms that lack the session's token (the page's CSP forbids
	// fetch, so these are real form posts): the session cookie goes along, the token does not,
	// and the host refuses.
	t.Run("POST without CSRF token", func(t *testing.T) {
		cases := []struct {
			name, path string
			fields     map[string]string
		}{
			{"report parameters", "/reports/bulletins-all", map[string]string{"vendor": "Acme"}},
			{"export", "/reports/bulletins-all/export", map[string]string{"format": "csv"}},
			{"sign-out", "/signout", nil},
			{"forged token", "/reports/bulletins-all", map[string]string{"vendor": "Acme", "csrf": "forged"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/reports"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
					t.Fatal(err)
				}
				js := `(() => { const f = document.createElement("form"); f.method = "post"; f.action = ` + jsString(c.path) + `;`
				for k, v := range c.fields {
					js += ` { const i = document.createElement("input"); i.type = "hidden"; i.name = ` + jsString(k) + `; i.value = ` + jsString(v) + `; f.appendChild(i); }`
				}
				js += ` document.body.appendChild(f); f.submit(); })()`
				resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](js))
				if err != nil {
					t.Fatal(err)
				}
				if resp.Status != 403 && resp.Status != 400 {
					t.Fatalf("POST %s %v without the session's token answered %d %s, want 403", c.path, c.fields, resp.Status, resp.StatusText)
				}
			})
		}
		// The refused sign-out did not end the session.
		if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`.chart canvas`))); err != nil {
			t.Fatalf("dashboard after the refused posts: %v", err)
		}
	})

	t.Run("sign-in form without its token", func(t *testing.T) {
		fresh := newBrowser(t)
		err := chromedp.Do(fresh,
			chromedp.Navigate(s.srv.URL+"/signin"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form.signin input[name="csrf"]').remove()`),
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), adminName),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), adminPassword),
		)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.RunResponse(fresh, chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 403 {
			t.Fatalf("sign-in without the CSRF field answered %d %s, want 403", resp.Status, resp.StatusText)
		}
	})
}

// TestBrowserExportOffline opens exported HTML reports from file:// with no server and the
// network switched off, and checks the inlined ECharts drew the chart and nothing was fetched.
func TestBrowserExportOffline(t *testing.T) {
	store := reportstest.OpenStore(t)
	reportstest.Seed(t, store)
	reportstest.SeedCompliance(t, store)
	ctx := newBrowser(t)

	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	offline := func(c context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Call(c, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(c, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		if err != nil {
			return err
		}
		// By-rule conditions leave navigator.onLine alone; this sets it too, so the page sees
		// the same offline machine the requests do.
		_, err = chromedp.Call(c, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}
	if err := chromedp.Do(ctx, chromedp.Func(offline)); err != nil {
		t.Fatalf("switch the network off: %v", err)
	}

	dir := t.TempDir()
	for _, name := range []string{"compliance-by-bulletin", "bulletins-all", "diagnostics-catalog"} {
		t.Run(name, func(t *testing.T) {
			rep, err := reports.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			res, err := rep.RunAt(context.Background(), store, nil, reportstest.Now)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := export.WriteHTML(&buf, res); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name+".html")
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			requested = nil
			mu.Unlock()
			if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.CSS(`#chart canvas`))); err != nil {
				t.Fatalf("open %s: %v", file, err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](chartDrawn, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Fatalf("the chart did not draw offline: %v", err)
			}
			online, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.onLine`))
			if err != nil || online {
				t.Fatalf("navigator.onLine = %v (%v): the network is not off", online, err)
			}
			width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("#chart canvas").width`))
			if err != nil || width == 0 {
				t.Fatalf("canvas width %d (%v)", width, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, u := range requested {
				if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
					t.Errorf("the export requested %s", u)
				}
			}
			t.Logf("%s: canvas %d px wide, navigator.onLine=%v, requests %q", name, width, online, requested)
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			savePNG(t, "browser-export-"+name+".png", shot)
		})
	}
}

func savePNG(t *testing.T, name string, b []byte) {
	t.Helper()
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	p := filepath.Join(screenshotDir(t), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	t.Logf("screenshot %s", p)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\u003c`)
	return `"` + r.Replace(s) + `"`
}
