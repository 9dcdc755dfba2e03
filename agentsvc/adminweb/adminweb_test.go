package adminweb

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/reports/reportstest"
)

const (
	adminName     = "alice"
	adminPassword = "correct horse battery"
)

type site struct {
	t     *testing.T
	h     *Handler
	srv   *httptest.Server
	store *model.Store
}

// newSite serves the pages over TLS on 127.0.0.1, as the listener does, with one administrator.
func newSite(t *testing.T) *site {
	t.Helper()
	store := reportstest.OpenStore(t)
	reportstest.Seed(t, store)
	if _, err := store.SetAdminPassword(context.Background(), "test", adminName, adminPassword); err != nil {
		t.Fatal(err)
	}
	h := New(store, slog.New(slog.DiscardHandler))
	h.now = func() time.Time { return reportstest.Now }
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return &site{t: t, h: h, srv: srv, store: store}
}

// browser is a client with a cookie jar that does not follow redirects, so tests see them.
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := s.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (s *site) get(c *http.Client, path string) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (s *site) post(c *http.Client, path string, form url.Values, header ...string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no CSRF field:\n%.500s", page)
	}
	return m[1]
}

// signIn fills in the sign-in form and returns the response to posting it.
func (s *site) signIn(c *http.Client, name, password string) (*http.Response, string) {
	s.t.Helper()
	_, page := s.get(c, "/signin")
	return s.post(c, "/signin", url.Values{"csrf": {csrfOf(s.t, page)}, "name": {name}, "password": {password}})
}

// signedIn returns a browser with a session and the session's CSRF token.
func (s *site) signedIn() (*http.Client, string) {
	s.t.Helper()
	c := s.browser()
	if resp, body := s.signIn(c, adminName, adminPassword); resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign-in: %s\n%.500s", resp.Status, body)
	}
	_, page := s.get(c, "/dashboard")
	return c, csrfOf(s.t, page)
}

func TestSignInSetsSecureSessionCookie(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	resp, _ := s.signIn(c, "ALICE", adminPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("sign-in answered %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	if !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || session.Domain != "" ||
		session.MaxAge != int(sessionLifetime.Seconds()) || !strings.HasPrefix(session.Name, "__Host-") {
		t.Fatalf("session cookie = %+v", session)
	}
	var stored int64
	s.store.DB.Model(&model.AdminSession{}).Where("token_hash = ?", session.Value).Count(&stored)
	if stored != 0 {
		t.Fatal("the session token is stored in clear")
	}
	resp, page := s.get(c, "/dashboard")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Software bulletin summary") || !strings.Contains(page, "Compliance summary") || !strings.Contains(page, "Computers most at risk") || !strings.Contains(page, "Software update delivery") || !strings.Contains(page, `<script src="/assets/echarts.min.js"></script>`) {
		t.Fatalf("dashboard: %s\n%.800s", resp.Status, page)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("signed-in page Cache-Control = %q", cc)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || !strings.Contains(page, `<script nonce="`+nonce[1]+`">`) || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q does not match the page's inline script", csp)
	}
	if regexp.MustCompile(`(src|href)="https?://`).MatchString(page) {
		t.Fatal("the dashboard loads something from another site")
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	s := newSite(t)
	cases := []struct{ name, user, password string }{
		{"wrong password", adminName, "correct horse batteries"},
		{"unknown name", "mallory", adminPassword},
		{"empty password", adminName, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := s.browser()
			resp, page := s.signIn(b, c.user, c.password)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Wrong name or password.") {
				t.Fatalf("sign-in as %q answered %s", c.user, resp.Status)
			}
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie && ck.Value != "" {
					t.Fatal("a refused sign-in got a session cookie")
				}
			}
			if resp, _ := s.get(b, "/dashboard"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("dashboard after a refused sign-in: %s", resp.Status)
			}
		})
	}
}

func TestSignInNeedsCSRF(t *testing.T) {
	s := newSite(t)
	cases := []struct {
		name      string
		getCookie bool   // load the form first, which sets the CSRF cookie
		csrf      string // "" sends none; "page" sends the form's token
	}{
		{"no token, no cookie", false, ""},
		{"token without its cookie", false, "forged-token-forged-token-forged-token-1234"},
		{"cookie without the token", true, ""},
		{"cookie with another token", true, "forged-token-forged-token-forged-token-1234"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := s.browser()
			if c.getCookie {
				s.get(b, "/signin")
			}
			form := url.Values{"name": {adminName}, "password": {adminPassword}}
			if c.csrf != "" {
				form.Set("csrf", c.csrf)
			}
			if resp, _ := s.post(b, "/signin", form); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("sign-in answered %s, want 403", resp.Status)
			}
		})
	}
}

func TestFormsNeedSessionCSRF(t *testing.T) {
	s := newSite(t)
	c, token := s.signedIn()
	cases := []struct {
		path string
		form url.Values
	}{
		{"/reports/bulletins-all", url.Values{"vendor": {"Acme"}}},
		{"/reports/bulletins-all", url.Values{"vendor": {"Acme"}, "csrf": {"x" + token}}},
		{"/reports/bulletins-all/export", url.Values{"format": {"csv"}}},
		{"/signout", url.Values{}},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+tc.form.Encode(), func(t *testing.T) {
			if resp, _ := s.post(c, tc.path, tc.form); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("POST %s without the CSRF token: %s, want 403", tc.path, resp.Status)
			}
		})
	}
	if resp, _ := s.get(c, "/dashboard"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused sign-out ended the session: %s", resp.Status)
	}
	resp, page := s.post(c, "/reports/bulletins-all", url.Values{"vendor": {"Acme"}, "csrf": {token}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Acme.Legacy 1.0") || strings.Contains(page, "KB5066791") {
		t.Fatalf("report with the token: %s", resp.Status)
	}
}

func TestSignOutEndsSession(t *testing.T) {
	s := newSite(t)
	c, token := s.signedIn()
	u, _ := url.Parse(s.srv.URL)
	old := c.Jar.Cookies(u)
	resp, _ := s.post(c, "/signout", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("sign-out: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	// A copy of the old cookie no longer opens anything.
	replay := s.browser()
	replay.Jar.SetCookies(u, old)
	if resp, _ := s.get(replay, "/reports"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("old session cookie after sign-out: %s", resp.Status)
	}
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	s := newSite(t)
	c, _ := s.signedIn()
	s.h.now = func() time.Time { return time.Now().Add(sessionIdle + time.Minute) }
	if resp, _ := s.get(c, "/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle session still open: %s", resp.Status)
	}
}

func TestSignInRateLimited(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for i := range 5 {
		if resp, _ := s.signIn(b, adminName, "wrong password number"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %s", i+1, resp.Status)
		}
	}
	resp, page := s.signIn(b, adminName, adminPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Too many failed sign-ins") {
		t.Fatalf("sixth attempt, right password: %s, Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
	}
	// The window passes and the right password works again.
	s.h.now = func() time.Time { return reportstest.Now.Add(16 * time.Minute) }
	if resp, _ := s.signIn(b, adminName, adminPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %s", resp.Status)
	}
}

func TestAgentCredentialOpensNothing(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	for _, path := range []string{"/dashboard", "/reports", "/reports/bulletins-all"} {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer agent-credential-of-a-real-agent")
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("GET %s with an agent credential: %s", path, resp.Status)
		}
	}
	if resp, _ := s.post(b, "/reports/bulletins-all/export", url.Values{"format": {"csv"}}, "Authorization", "Bearer x"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("export with an agent credential: %s", resp.Status)
	}
}

func TestReportPages(t *testing.T) {
	s := newSite(t)
	c, token := s.signedIn()
	resp, page := s.get(c, "/reports")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `href="/reports/diagnostics-job-history"`) || !strings.Contains(page, "Compliance") {
		t.Fatalf("report list: %s", resp.Status)
	}
	cases := []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
		want   []string
	}{
		{"defaults", "GET", "/reports/bulletins-all", nil, 200, []string{"Zürich Software, AG", `<div id="chart-0" class="chart"></div>`, `name="include-superseded" value="true" checked`}},
		{"parameters", "POST", "/reports/bulletins-new-30-days", url.Values{"days": {"5"}}, 200, []string{"Zürich.Tool 2.1", `name="days" value="5"`}},
		{"bad parameter", "POST", "/reports/bulletins-new-30-days", url.Values{"days": {"0"}}, 400, []string{"outside 1..3650"}},
		{"unknown report", "GET", "/reports/no-such-report", nil, 404, []string{"no report"}},
		{"job history", "GET", "/reports/diagnostics-job-history", nil, 200, []string{"import-catalog", "read https://example: timeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			var page string
			if tc.method == "GET" {
				resp, page = s.get(c, tc.path)
			} else {
				tc.form.Set("csrf", token)
				resp, page = s.post(c, tc.path, tc.form)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s: %s, want %d", tc.method, tc.path, resp.Status, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s %s lacks %q", tc.method, tc.path, w)
				}
			}
		})
	}
}

func TestExportDownloads(t *testing.T) {
	s := newSite(t)
	c, token := s.signedIn()
	cases := []struct {
		format, contentType, want string
	}{
		{"csv", "text/csv; charset=utf-8", "\uFEFFBulletin,Vendor"},
		{"json", "application/json", "{\n  \"report\": \"bulletins-disabled\""},
		{"html", "text/html; charset=utf-8", "<!DOCTYPE html>"},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			resp, body := s.post(c, "/reports/bulletins-disabled/export", url.Values{"csrf": {token}, "format": {tc.format}, "vendor": {"Acme"}})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.contentType || !strings.HasPrefix(body, tc.want) {
				t.Fatalf("export %s: %s %q %.80q", tc.format, resp.Status, resp.Header.Get("Content-Type"), body)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="bulletins-disabled-20261127-1000.`+tc.format+`"` {
				t.Errorf("Content-Disposition = %q", cd)
			}
			if !strings.Contains(body, "Acme.Legacy 1.0") {
				t.Error("export lacks the disabled bulletin")
			}
		})
	}
	resp, script := s.get(s.browser(), "/assets/echarts.min.js")
	if resp.StatusCode != http.StatusOK || len(script) < 100_000 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("ECharts script: %s, %d bytes", resp.Status, len(script))
	}
}

func TestLocalPath(t *testing.T) {
	cases := map[string]string{
		"/reports/bulletins-all": "/reports/bulletins-all",
		"//evil.example/":        "",
		`/\evil.example`:         "",
		"https://evil.example/":  "",
		"reports":                "",
		"/a\r\nSet-Cookie: x":    "",
	}
	for in, want := range cases {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3, time.Minute)
	t0 := time.Unix(1_000_000, 0)
	steps := []struct {
		at     time.Duration
		fail   bool
		reset  bool
		wantOK bool
	}{
		{0, true, false, true},
		{time.Second, true, false, true},
		{2 * time.Second, true, false, false},                       // third failure: blocked
		{30 * time.Second, false, false, false},                     // still in the window
		{60*time.Second + 500*time.Millisecond, false, false, true}, // the first failure left the window
		{60*time.Second + 700*time.Millisecond, true, false, false}, // two old failures and a new one
		{62 * time.Second, false, true, true},                       // a success forgets them
	}
	for i, st := range steps {
		now := t0.Add(st.at)
		if st.fail {
			l.fail("k", now)
		}
		if st.reset {
			l.reset("k")
		}
		if ok := l.retryAfter("k", now) == 0; ok != st.wantOK {
			t.Fatalf("step %d at %v: may try = %v, want %v", i, st.at, ok, st.wantOK)
		}
	}
}
