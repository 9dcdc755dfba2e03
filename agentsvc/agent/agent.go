// Package agent is patchagent's core: it enrols with a token, then checks in on the host's
// interval, runs the inventory scan on the host's schedule and uploads the inventory when the
// host wants it, retrying with backoff while the host is away.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/inventory"
)

// ErrRevoked means the administrator revoked this computer; the agent stops.
var ErrRevoked = errors.New("this computer was revoked on the PatchDesk host")

// ErrTokenRefused means the host refused the enrolment token; the agent stops.
var ErrTokenRefused = errors.New("enrolment token refused")

// Config is how patchagent run starts the agent.
type Config struct {
	// Token enrols the agent the first time; later runs need it only to enrol again.
	Token string
	// Servers replaces the host URLs the token names.
	Servers  []string
	StateDir string
	Version  string
	// Scan produces the inventory: the live scanner, or a fixed file for demos and tests.
	Scan func(ctx context.Context) (inventory.Inventory, error)
	// Clock is the real clock unless a test sets a fake one.
	Clock clockwork.Clock
	Log   *slog.Logger
	// OnCycle, when set, hears the outcome of every cycle (tests wait on it).
	OnCycle func(Cycle)
	// Install, when set, runs the install cycle beside the check-ins (cycle.go); the agent fills
	// in its client, state dir, scanner, clock and logger where they are empty.
	Install *InstallConfig
	// UserEndpoint, with Install, is where users ask for a cycle now (usercycle.go): a socket
	// path, or a named pipe on Windows. Empty: users cannot ask this agent.
	UserEndpoint string
}

// Cycle reports one round of enrol/scan/check-in/upload.
type Cycle struct {
	Enrolled bool
	Scanned  bool
	Uploaded bool
	ScanNow  bool
	Digest   string
	Wait     time.Duration
	Err      error
}

// Agent is one running patchagent.
type Agent struct {
	cfg    Config
	log    *slog.Logger
	clock  clockwork.Clock
	client *Client
	token  *wire.Token

	state      State
	enrolled   bool
	interval   time.Duration
	plan       scanPlan
	inv        *inventory.Inventory
	digest     string
	hostDigest string
	nextScan   time.Time
	events     []wire.Event
	sendEvents bool
	installer  *Installer // install cycle hook (cycle.go)
}

// New reads the state dir and prepares the agent; it needs a token unless it enrolled before.
func New(cfg Config) (*Agent, error) {
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Scan == nil {
		return nil, errors.New("agent: no scanner")
	}
	a := &Agent{cfg: cfg, log: cfg.Log, clock: cfg.Clock, interval: 10 * time.Minute}
	if cfg.Token != "" {
		t, err := wire.ParseToken(cfg.Token)
		if err != nil {
			return nil, err
		}
		a.token = &t
	}
	st, cred, ok, err := loadState(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	switch {
	case ok && a.token != nil && st.CAFingerprint != a.token.CAFingerprint:
		// A token for another host: enrol there.
		ok = false
	case !ok && a.token == nil:
		return nil, fmt.Errorf("agent is not enrolled (no credential in %s): give --token", cfg.StateDir)
	}
	if ok {
		a.state, a.enrolled = st, true
	} else {
		a.state = State{URLs: a.token.URLs, CAFingerprint: a.token.CAFingerprint}
	}
	if len(cfg.Servers) > 0 {
		for _, u := range cfg.Servers {
			if err := wire.CheckHostURL(u); err != nil {
				return nil, err
			}
		}
		a.state.URLs = cfg.Servers
	}
	a.client = NewClient(a.state.URLs, a.state.CAFingerprint, nil)
	a.client.SetCredential(cred)
	a.hostDigest = a.state.LastSentDigest
	a.installer = a.newInstaller() // install cycle hook (cycle.go)
	a.plan, _ = parsePlan("every 4h")
	if st.ScanSchedule != "" {
		if p, err := parsePlan(st.ScanSchedule); err == nil {
			a.plan = p
		}
	}
	return a, nil
}

// Run works until ctx ends (nil) or the host refuses the agent for good.
func (a *Agent) Run(ctx context.Context) error {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 5 * time.Second
	bo.MaxInterval = 10 * time.Minute
	// Closes a state dir that an older agent, or an administrator's copy, left readable to all.
	if err := privateDir(a.cfg.StateDir); err != nil {
		return err
	}
	a.startInstaller(ctx) // install cycle hook (cycle.go)
	a.serveUsers(ctx)
	for {
		c := a.cycle(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case c.Err == nil:
			bo.Reset()
		case errors.Is(c.Err, ErrRevoked), errors.Is(c.Err, ErrTokenRefused):
			a.report(c)
			return c.Err
		default:
			// The host is away or busy: back off, then catch up with a full cycle.
			c.Wait = bo.NextBackOff()
			var se *StatusError
			if errors.As(c.Err, &se) && se.RetryAfter > c.Wait {
				c.Wait = se.RetryAfter
			}
			a.log.Warn("host unavailable; will retry", "url", a.client.URL(), "in", c.Wait.Round(time.Second), "err", c.Err)
		}
		a.report(c)
		select {
		case <-ctx.Done():
			return nil
		case <-a.clock.After(c.Wait):
		}
	}
}

func (a *Agent) report(c Cycle) {
	if a.cfg.OnCycle != nil {
		a.cfg.OnCycle(c)
	}
}

// cycle is one round: enrol if needed, scan if due, check in, upload if the host wants it.
func (a *Agent) cycle(ctx context.Context) (c Cycle) {
	if !a.enrolled {
		if c.Err = a.enrol(ctx); c.Err != nil {
			return c
		}
		c.Enrolled = true
	}
	now := a.clock.Now()
	if a.inv == nil || (!a.nextScan.IsZero() && !now.Before(a.nextScan)) {
		if c.Err = a.scan(ctx); c.Err != nil {
			return c
		}
		c.Scanned = true
	}
	resp, err := a.client.Checkin(ctx, wire.CheckinRequest{InventoryDigest: a.digest, AgentVersion: a.cfg.Version, ScannedAt: a.inv.ScannedAt})
	if c.Err = a.refused(err); c.Err != nil {
		return c
	}
	a.apply(resp)
	a.notifyInstaller(resp.PolicyRevision) // install cycle hook (cycle.go)
	if !resp.WantInventory {
		a.hostDigest = a.digest
	} else {
		a.hostDigest = ""
	}
	if resp.ScanNow {
		c.ScanNow = true
		if c.Err = a.scan(ctx); c.Err != nil {
			return c
		}
		c.Scanned = true
	}
	if a.digest != a.hostDigest || (c.Scanned && !resp.SendOnlyIfChanged) {
		up, err := a.client.UploadInventory(ctx, a.inv)
		if c.Err = a.refused(err); c.Err != nil {
			return c
		}
		a.hostDigest = up.InventoryDigest
		a.state.LastSentDigest = up.InventoryDigest
		c.Uploaded = true
		a.event("info", "inventory", fmt.Sprintf("inventory sent: %d software, %d updates", len(a.inv.Software), len(a.inv.KBs)))
		if err := saveState(a.cfg.StateDir, a.state); err != nil {
			a.log.Warn("save state", "err", err)
		}
	}
	a.flushEvents(ctx)
	c.Digest = a.digest
	c.Wait = a.wait()
	return c
}

// refused turns the host's final refusals into errors the agent acts on; others stay as they are.
func (a *Agent) refused(err error) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	switch se.Status {
	case http.StatusForbidden:
		return fmt.Errorf("%w: %s", ErrRevoked, se.Message)
	case http.StatusUnauthorized:
		// The host no longer knows the credential (computer deleted, database restored): enrol
		// again if a token was given, else stop.
		a.enrolled = false
		a.client.SetCredential("")
		_ = removeCredential(a.cfg.StateDir)
		if a.token == nil {
			return fmt.Errorf("%w: the host does not know this agent's credential (%s); run with a new --token", ErrTokenRefused, se.Message)
		}
		return err
	}
	return err
}

func (a *Agent) enrol(ctx context.Context) error {
	if a.token == nil {
		return fmt.Errorf("%w: not enrolled and no token given", ErrTokenRefused)
	}
	host, _ := os.Hostname()
	family := osFamily()
	if a.inv != nil {
		host, family = a.inv.Hostname, a.inv.OS.Family
	} else if inv, err := a.cfg.Scan(ctx); err == nil {
		host, family = inv.Hostname, inv.OS.Family
	}
	resp, err := a.client.Enrol(ctx, wire.EnrolRequest{Token: a.token.EnrolSecret(), Hostname: host, OSFamily: family, AgentVersion: a.cfg.Version})
	var se *StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusBadRequest) {
		return fmt.Errorf("%w: %s", ErrTokenRefused, se.Message)
	}
	if err != nil {
		return err
	}
	a.state.ComputerID = resp.ComputerID
	a.state.LastSentDigest, a.hostDigest = "", ""
	if err := saveCredential(a.cfg.StateDir, resp.Credential); err != nil {
		return err
	}
	if err := saveState(a.cfg.StateDir, a.state); err != nil {
		return err
	}
	a.enrolled = true
	a.log.Info("enrolled", "host", a.client.URL(), "computer_id", resp.ComputerID)
	a.event("info", "enrol", "enrolled with "+a.client.URL())
	return nil
}

func (a *Agent) scan(ctx context.Context) error {
	inv, err := a.cfg.Scan(ctx)
	if err != nil {
		a.event("error", "scan", err.Error())
		return fmt.Errorf("inventory scan: %w", err)
	}
	if inv.AgentVersion == "" {
		inv.AgentVersion = a.cfg.Version
	}
	if inv.ScannedAt.IsZero() {
		inv.ScannedAt = a.clock.Now().UTC()
	}
	inv.Normalize()
	a.inv, a.digest = &inv, inv.Digest()
	a.state.LastScanAt = a.clock.Now()
	a.nextScan = a.plan.next(a.state.LastScanAt)
	return nil
}

// apply takes the host's settings from a check-in reply.
func (a *Agent) apply(resp wire.CheckinResponse) {
	if resp.NextCheckinS > 0 {
		a.interval = time.Duration(resp.NextCheckinS) * time.Second
	}
	a.sendEvents = resp.AgentEvents
	if resp.ScanSchedule != "" && resp.ScanSchedule != a.state.ScanSchedule {
		p, err := parsePlan(resp.ScanSchedule)
		if err != nil {
			a.log.Warn("ignoring scan schedule", "err", err)
			return
		}
		a.plan, a.state.ScanSchedule = p, resp.ScanSchedule
		a.nextScan = p.next(a.state.LastScanAt)
	}
}

// wait is the time to the next check-in with ±10% jitter, so that agents started together
// (after a power cut) spread out, or to the next scan if that comes first.
func (a *Agent) wait() time.Duration {
	w := time.Duration(float64(a.interval) * (0.9 + 0.2*rand.Float64()))
	if !a.nextScan.IsZero() {
		if d := a.nextScan.Sub(a.clock.Now()); d < w {
			w = max(d, 0)
		}
	}
	return w
}

const maxQueuedEvents = 200

func (a *Agent) event(severity, kind, msg string) {
	if len(a.events) >= maxQueuedEvents {
		a.events = a.events[1:]
	}
	a.events = append(a.events, wire.Event{At: a.clock.Now().UTC(), Severity: severity, Kind: kind, Message: msg})
}

func (a *Agent) flushEvents(ctx context.Context) {
	if len(a.events) == 0 {
		return
	}
	if !a.sendEvents {
		a.events = a.events[:0]
		return
	}
	if _, err := a.client.PostEvents(ctx, slices.Clone(a.events)); err != nil {
		a.log.Debug("post events", "err", err)
		return
	}
	a.events = a.events[:0]
}

// FileScanner reads a fixed inventory in the format `patchagent scan --format json` prints.
func FileScanner(path string) func(context.Context) (inventory.Inventory, error) {
	return func(context.Context) (inventory.Inventory, error) {
		var inv inventory.Inventory
		b, err := os.ReadFile(path)
		if err != nil {
			return inv, fmt.Errorf("read inventory file: %w", err)
		}
		if err := json.Unmarshal(b, &inv); err != nil {
			return inv, fmt.Errorf("read inventory file %s: %w", path, err)
		}
		return inv, nil
	}
}
