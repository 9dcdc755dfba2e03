package agentsvc

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/agent"
	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type host struct {
	srv   *Server
	store *model.Store
	src   settings.Source
	dir   string
	url   string
	fp    string
}

// startHost runs a listener on 127.0.0.1 with a fresh data dir. Polling is left to the tests
// (Refresh), so nothing happens behind their back.
func startHost(t *testing.T, opts Options) *host { return startHostTB(t, opts) }

func startHostTB(t testing.TB, opts Options) *host {
	t.Helper()
	store, src := openTestStore(t)
	return serveHost(t, store, src, opts, nil)
}

// openTestStore opens a store in a fresh data dir, closed when the test ends.
func openTestStore(t testing.TB) (*model.Store, settings.Source) {
	t.Helper()
	dir := t.TempDir()
	store, err := model.Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store, settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "patchhost"}}
}

// serveHost starts a listener on 127.0.0.1 over store, shut down when the test ends; mount, when
// given, adds handlers before the start.
func serveHost(t testing.TB, store *model.Store, src settings.Source, opts Options, mount func(*Server)) *host {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	if opts.PollEvery == 0 {
		opts.PollEvery = time.Hour
	}
	srv, err := New(store, src, src.Env.DataDir, quiet, opts)
	if err != nil {
		t.Fatal(err)
	}
	if mount != nil {
		mount(srv)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return &host{srv: srv, store: store, src: src, dir: src.Env.DataDir, url: "https://" + srv.Addr().String(), fp: srv.CAFingerprint()}
}

func (h *host) token(t *testing.T, uses int, expires time.Duration) wire.Token {
	t.Helper()
	info, err := CreateToken(context.Background(), h.store, h.src, h.dir, TokenRequest{Uses: uses, Expires: expires, URLs: []string{h.url}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := wire.ParseToken(info.Token)
	if err != nil {
		t.Fatal(err)
	}
	if tok.CAFingerprint != h.fp {
		t.Fatalf("token pins %s, host CA is %s", tok.CAFingerprint, h.fp)
	}
	return tok
}

// raw posts a body as is, to test what a well-behaved client never sends.
func (h *host) raw(t *testing.T, path, cred string, body io.Reader, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+path, body)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := agent.NewHTTPClient(h.fp, 4).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func windows10(name string, ubr int) inventory.Inventory {
	return inventory.Inventory{Hostname: name, IPs: []string{"10.0.0.7"},
		OS:       inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", DisplayVersion: "22H2", Build: 19045, UBR: ubr, Edition: "Professional", Arch: "x64"},
		Software: []inventory.Software{{Name: "7-Zip 23.01 (x64)", Version: "23.01", Publisher: "Igor Pavlov"}},
		KBs:      []string{"KB5011048"}, Languages: []string{"en-US"}}
}

// snapshot dumps every table the listener could write, so a test can prove a refusal changed
// nothing.
func snapshot(t *testing.T, s *model.Store) string {
	t.Helper()
	var out strings.Builder
	for _, table := range []string{"computers", "enrol_tokens", "agent_events", "audit_entries", "computer_changes"} {
		var rows []map[string]any
		if err := s.DB.Raw("SELECT * FROM " + table + " ORDER BY 1").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rows)
		fmt.Fprintf(&out, "%s: %s\n", table, b)
	}
	return out.String()
}

func enrolClient(t *testing.T, h *host, tok wire.Token, name string) (*agent.Client, wire.EnrolResponse) {
	t.Helper()
	c := agent.NewClient([]string{h.url}, h.fp, nil)
	resp, err := c.Enrol(context.Background(), wire.EnrolRequest{Token: tok.EnrolSecret(), Hostname: name, OSFamily: "windows", AgentVersion: "1.0"})
	if err != nil {
		t.Fatalf("enrol %s: %v", name, err)
	}
	return c, resp
}

func TestEnrolCheckinInventory(t *testing.T) {
	h := startHost(t, Options{})
	ctx := context.Background()
	tok := h.token(t, 2, time.Hour)
	c, enrolled := enrolClient(t, h, tok, "PC-1")
	if !strings.HasPrefix(enrolled.Credential, fmt.Sprint(enrolled.ComputerID)+".") {
		t.Fatalf("credential %q does not start with the computer id", enrolled.Credential)
	}
	inv := windows10("PC-1", 3803)
	inv.Normalize()
	resp, err := c.Checkin(ctx, wire.CheckinRequest{InventoryDigest: inv.Digest(), AgentVersion: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.WantInventory || resp.ScanSchedule != "every 4h" || !resp.SendOnlyIfChanged || resp.NextCheckinS != 600 {
		t.Fatalf("first check-in reply = %+v", resp)
	}
	up, err := c.UploadInventory(ctx, &inv)
	if err != nil || up.InventoryDigest != inv.Digest() {
		t.Fatalf("upload = %+v, %v; want digest %s", up, err, inv.Digest())
	}
	// Acknowledged means committed: the database has it before any flush.
	views, err := h.store.Computers(ctx, model.ComputerQuery{WithInventory: true})
	if err != nil || len(views) != 1 || views[0].InventoryDigest != inv.Digest() || views[0].Inventory == nil || views[0].OSUBR != 3803 {
		t.Fatalf("stored = %+v, %v", views, err)
	}
	resp, err = c.Checkin(ctx, wire.CheckinRequest{InventoryDigest: inv.Digest(), AgentVersion: "1.0"})
	if err != nil || resp.WantInventory || resp.ScanNow {
		t.Fatalf("second check-in = %+v, %v; want nothing wanted", resp, err)
	}
	// An administrator asks for a scan from another process: the listener notices on refresh.
	if err := h.store.RequestScan(ctx, "test", enrolled.ComputerID); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		resp, err = c.Checkin(ctx, wire.CheckinRequest{InventoryDigest: inv.Digest(), AgentVersion: "1.0"})
		if err != nil || resp.ScanNow != want {
			t.Fatalf("check-in %d after scan request: scan_now = %v, %v; want %v", i, resp.ScanNow, err, want)
		}
	}
	// The check-in interval is a setting, taken at the next refresh.
	if _, err := h.src.Save(ctx, "test", map[string]string{settings.KeyCheckinInterval: "2m"}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, err = c.Checkin(ctx, wire.CheckinRequest{InventoryDigest: inv.Digest(), AgentVersion: "1.0"}); err != nil || resp.NextCheckinS != 120 {
		t.Fatalf("after the interval changed: next_checkin_s = %d, %v; want 120", resp.NextCheckinS, err)
	}
	if _, err := c.PostEvents(ctx, []wire.Event{{At: time.Now(), Severity: "info", Kind: "scan", Message: "done"}}); err != nil {
		t.Fatal(err)
	}
	if es, _ := h.store.AgentEvents(ctx, enrolled.ComputerID, 10); len(es) != 1 || es[0].Message != "done" {
		t.Errorf("events = %+v", es)
	}
	// A deleted computer's agent is refused like an unknown one.
	other, gone := enrolClient(t, h, tok, "PC-GONE")
	if err := h.store.DeleteComputer(ctx, "test", gone.ComputerID); err != nil {
		t.Fatal(err)
	}
	h.srv.Refresh(ctx)
	var se *agent.StatusError
	if _, err := other.Checkin(ctx, wire.CheckinRequest{}); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Fatalf("check-in of a deleted computer = %v, want 401", err)
	}
	// Check-ins are written behind; a shutdown writes them.
	h.srv.Shutdown(ctx)
	cs, _ := h.store.Computers(ctx, model.ComputerQuery{})
	if cs[0].LastCheckinAt == nil || cs[0].ScanDeliveredAt == nil || cs[0].LastAddress != "127.0.0.1" {
		t.Errorf("after shutdown: last check-in %v, scan delivered %v, address %q", cs[0].LastCheckinAt, cs[0].ScanDeliveredAt, cs[0].LastAddress)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestRefusalsChangeNothing(t *testing.T) {
	h := startHost(t, Options{MaxInFlight: 1})
	ctx := context.Background()
	tok := h.token(t, 1, time.Hour)
	usedUp := tok
	_, good := enrolClient(t, h, tok, "PC-1")
	_, revoked := enrolClient(t, h, h.token(t, 1, time.Hour), "PC-2")
	if err := h.store.RevokeComputer(ctx, "test", revoked.ComputerID); err != nil {
		t.Fatal(err)
	}
	h.srv.Refresh(ctx)
	expired := h.token(t, 1, time.Minute)
	h.srv.opts.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	defer func() { h.srv.opts.Now = time.Now }()
	h.srv.Shutdown(ctx) // write pending check-ins so the snapshot is final
	h.srv.Start(ctx)
	h.url = "https://" + h.srv.Addr().String()
	before := snapshot(t, h.store)

	enrolBody := func(secret string) string {
		b, _ := json.Marshal(wire.EnrolRequest{Token: secret, Hostname: "PC-9", OSFamily: "windows"})
		return string(b)
	}
	validInv, _ := json.Marshal(windows10("PC-1", 1))
	bomb := gz(bytes.Repeat([]byte(" "), wire.MaxInventoryJSON+10))
	badName := windows10("PC\x01", 1)
	badInv, _ := json.Marshal(badName)
	forged := fmt.Sprintf("%d.%s", good.ComputerID, strings.Repeat("A", 43))
	tests := []struct {
		name   string
		path   string
		cred   string
		body   []byte
		header map[string]string
		status int
		msg    string
	}{
		{"enrol: not JSON", wire.PathEnrol, "", []byte("{"), nil, 400, "invalid JSON"},
		{"enrol: unknown field", wire.PathEnrol, "", []byte(`{"token":"a.b","hostname":"x","os_family":"windows","admin":true}`), nil, 400, "unknown field"},
		{"enrol: two objects", wire.PathEnrol, "", []byte(enrolBody("a.b") + enrolBody("a.b")), nil, 400, "data after"},
		{"enrol: bad family", wire.PathEnrol, "", []byte(`{"token":"a.b","hostname":"x","os_family":"beos"}`), nil, 400, "family"},
		{"enrol: too large", wire.PathEnrol, "", []byte(`{"token":"` + strings.Repeat("a", wire.MaxEnrolBody) + `"}`), nil, 413, "larger"},
		{"enrol: wrong secret", wire.PathEnrol, "", []byte(enrolBody(usedUp.ID + ".wrong")), nil, 401, "unknown"},
		{"enrol: used up", wire.PathEnrol, "", []byte(enrolBody(usedUp.EnrolSecret())), nil, 401, "no uses left"},
		{"enrol: expired", wire.PathEnrol, "", []byte(enrolBody(expired.EnrolSecret())), nil, 401, "expired"},
		{"check-in: no credential", wire.PathCheckin, "", []byte(`{}`), nil, 401, "missing credential"},
		{"check-in: forged credential", wire.PathCheckin, forged, []byte(`{}`), nil, 401, "unknown credential"},
		{"check-in: garbage credential", wire.PathCheckin, "not-a-credential", []byte(`{}`), nil, 401, "unknown credential"},
		{"check-in: revoked", wire.PathCheckin, revoked.Credential, []byte(`{}`), nil, 403, "revoked"},
		{"check-in: bad digest", wire.PathCheckin, good.Credential, []byte(`{"inventory_digest":"xyz"}`), nil, 400, "inventory_digest"},
		{"inventory: revoked", wire.PathInventory, revoked.Credential, validInv, nil, 403, "revoked"},
		{"inventory: gzip bomb", wire.PathInventory, good.Credential, bomb, map[string]string{"Content-Encoding": "gzip"}, 413, "uncompressed"},
		{"inventory: broken gzip", wire.PathInventory, good.Credential, []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"}, 400, "gzip"},
		{"inventory: unknown encoding", wire.PathInventory, good.Credential, validInv, map[string]string{"Content-Encoding": "br"}, 415, "not supported"},
		{"inventory: control character", wire.PathInventory, good.Credential, badInv, nil, 400, "control character"},
		{"events: empty", wire.PathEvents, good.Credential, []byte(`{"events":[]}`), nil, 400, "empty"},
		{"events: bad severity", wire.PathEvents, good.Credential, []byte(`{"events":[{"at":"2024-01-01T00:00:00Z","severity":"panic","kind":"x"}]}`), nil, 400, "severity"},
		{"unknown path", wire.Prefix + "admin", good.Credential, []byte(`{}`), nil, 404, "no such endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := h.raw(t, tt.path, tt.cred, bytes.NewReader(tt.body), tt.header)
			if status != tt.status || !strings.Contains(body, tt.msg) {
				t.Errorf("POST %s = %d %s; want %d containing %q", tt.path, status, body, tt.status, tt.msg)
			}
		})
	}
	t.Run("shed with 503 and Retry-After", func(t *testing.T) {
		// Hold the only slot with a request whose body never finishes.
		pr, pw := io.Pipe()
		held := make(chan struct{})
		go func() {
			defer close(held)
			req, _ := http.NewRequest(http.MethodPost, h.url+wire.PathCheckin, pr)
			req.Header.Set("Authorization", "Bearer "+good.Credential)
			if resp, err := agent.NewHTTPClient(h.fp, 1).Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		pw.Write([]byte(`{"inventory_digest":`)) // the handler is now reading, holding the slot
		var status int
		var hdr http.Header
		for status != http.StatusServiceUnavailable {
			status, hdr, _ = h.raw(t, wire.PathCheckin, "", strings.NewReader(`{}`), nil)
			if status != http.StatusServiceUnavailable && status != http.StatusUnauthorized {
				t.Fatalf("status %d", status)
			}
		}
		if hdr.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		pw.CloseWithError(errors.New("client gave up"))
		<-held
	})
	h.srv.Shutdown(ctx)
	if after := snapshot(t, h.store); after != before {
		t.Errorf("refused requests changed the database:\nbefore %s\nafter  %s", before, after)
	}
}

func TestAgentEndToEnd(t *testing.T) {
	h := startHost(t, Options{CheckinInterval: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tok := h.token(t, 1, time.Hour)
	invFile := filepath.Join(t.TempDir(), "inventory.json")
	b, _ := json.Marshal(windows10("PC-E2E", 3803))
	os.WriteFile(invFile, b, 0o600)
	clock := clockwork.NewFakeClock()
	cycles := make(chan agent.Cycle, 10)
	stateDir := t.TempDir()
	a, err := agent.New(agent.Config{Token: tok.String(), StateDir: stateDir, Version: "1.0", Scan: agent.FileScanner(invFile),
		Clock: clock, Log: quiet, OnCycle: func(c agent.Cycle) { cycles <- c }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	c := <-cycles
	if c.Err != nil || !c.Enrolled || !c.Scanned || !c.Uploaded {
		t.Fatalf("first cycle = %+v", c)
	}
	if fi, err := os.Stat(filepath.Join(stateDir, "credential")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credential file: %v, %v", fi, err)
	}
	views, _ := h.store.Computers(ctx, model.ComputerQuery{WithInventory: true})
	if len(views) != 1 || views[0].Name != "PC-E2E" || views[0].Inventory == nil || views[0].Inventory.OS.UBR != 3803 {
		t.Fatalf("computers after first cycle = %+v", views)
	}
	// Nothing changed: the next check-in uploads nothing.
	clock.BlockUntilContext(ctx, 1)
	clock.Advance(c.Wait)
	if c = <-cycles; c.Err != nil || c.Uploaded || c.ScanNow {
		t.Fatalf("second cycle = %+v", c)
	}
	// The PC installs the cumulative update; an administrator asks for a scan now.
	b, _ = json.Marshal(windows10("PC-E2E", 4046))
	os.WriteFile(invFile, b, 0o600)
	h.store.RequestScan(ctx, "test", views[0].ID)
	h.srv.Refresh(ctx)
	clock.BlockUntilContext(ctx, 1)
	clock.Advance(c.Wait)
	if c = <-cycles; c.Err != nil || !c.ScanNow || !c.Uploaded {
		t.Fatalf("cycle after scan request = %+v", c)
	}
	comp, _ := h.store.FindComputer(ctx, "PC-E2E")
	if comp.OSUBR != 4046 {
		t.Errorf("UBR after scan now = %d, want 4046", comp.OSUBR)
	}
	// Revoked: the agent is refused and stops.
	h.store.RevokeComputer(ctx, "test", comp.ID)
	h.srv.Refresh(ctx)
	clock.BlockUntilContext(ctx, 1)
	clock.Advance(c.Wait)
	if err := <-done; !errors.Is(err, agent.ErrRevoked) {
		t.Fatalf("Run after revoke = %v, want ErrRevoked", err)
	}
}

func TestAgentRefusesOtherCA(t *testing.T) {
	h := startHost(t, Options{})
	other := startHost(t, Options{})
	tok := h.token(t, 1, time.Hour)
	tok.URLs = []string{other.url} // a server with another certificate
	_, err := agent.NewClient(tok.URLs, tok.CAFingerprint, nil).Enrol(context.Background(),
		wire.EnrolRequest{Token: tok.EnrolSecret(), Hostname: "x", OSFamily: "windows"})
	if err == nil || !strings.Contains(err.Error(), "pinned") {
		t.Fatalf("enrol against another CA = %v, want a pinning error", err)
	}
}

func TestAgentCatchesUpWhenHostReturns(t *testing.T) {
	h := startHost(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tok := h.token(t, 1, time.Hour)
	addr := h.srv.Addr().String()
	h.srv.Shutdown(ctx) // the host is away
	invFile := filepath.Join(t.TempDir(), "inventory.json")
	b, _ := json.Marshal(windows10("PC-AWAY", 3803))
	os.WriteFile(invFile, b, 0o600)
	clock := clockwork.NewFakeClock()
	cycles := make(chan agent.Cycle, 10)
	a, err := agent.New(agent.Config{Token: tok.String(), StateDir: t.TempDir(), Version: "1.0", Scan: agent.FileScanner(invFile),
		Clock: clock, Log: quiet, OnCycle: func(c agent.Cycle) { cycles <- c }})
	if err != nil {
		t.Fatal(err)
	}
	go a.Run(ctx)
	c := <-cycles
	if c.Err == nil || c.Wait <= 0 {
		t.Fatalf("cycle with the host away = %+v, want an error and a backoff", c)
	}
	h.srv.opts.Addr = addr // back on the same address
	if err := h.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	clock.BlockUntilContext(ctx, 1)
	clock.Advance(c.Wait)
	if c = <-cycles; c.Err != nil || !c.Enrolled || !c.Uploaded {
		t.Fatalf("cycle after the host returned = %+v", c)
	}
}

func TestOnlyTheScanTargetScansOnSchedule(t *testing.T) {
	h := startHost(t, Options{})
	ctx := context.Background()
	tok := h.token(t, 2, time.Hour)
	c1, _ := enrolClient(t, h, tok, "PC-1")
	c2, _ := enrolClient(t, h, tok, "PC-2")
	if _, err := h.store.AddTarget(ctx, "t", "Pilot", "", model.TargetQuery{NamePattern: "PC-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.src.Save(ctx, "t", map[string]string{settings.KeyScanTarget: "Pilot"}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		c    *agent.Client
		want string
	}{{c1, "every 4h"}, {c2, "manual"}} {
		resp, err := tt.c.Checkin(ctx, wire.CheckinRequest{AgentVersion: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.ScanSchedule != tt.want {
			t.Errorf("scan schedule = %q, want %q", resp.ScanSchedule, tt.want)
		}
	}
}
