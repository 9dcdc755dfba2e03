package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/model"
	"patchdesk/model/schedule"
)

// Wake on LAN, the wizard's "Power on computer": when a policy with the flag becomes due (an
// as-soon-as-possible policy when it is created, turned on or changed; a scheduled one at its
// run time), the host sends a magic packet to every MAC address its computers' inventories
// report, so that a computer that was switched off is up for the installation.

// DefaultWakeDest is where magic packets go: the local broadcast address, discard port, which
// every WoL-capable adapter on the segment listens to.
const DefaultWakeDest = "255.255.255.255:9"

// WakeStore is what the waker reads; *model.Store has it.
type WakeStore interface {
	WakePolicies(ctx context.Context) ([]model.WakePolicy, error)
	PolicyComputerMACs(ctx context.Context, policyID uint) ([]model.ComputerMACs, error)
}

// Waker sends the magic packets. Dest is injectable so tests send to a 127.0.0.1 listener.
type Waker struct {
	Store WakeStore
	Dest  string // host:port, DefaultWakeDest when empty
	Clock clockwork.Clock
	Log   *slog.Logger
	// Lead wakes computers this long before a scheduled policy runs, so they have booted and
	// checked in by then (default 5 minutes).
	Lead time.Duration
	// Every is how often Run checks the policies (default 1 minute).
	Every time.Duration
	// Recent bounds how old a change to an as-soon-as-possible policy may be for a host that
	// just started to act on it (default 24 h): a policy created while no host ran still wakes
	// its computers, one from last month does not at every start.
	Recent time.Duration

	mu   sync.Mutex
	last time.Time    // end of the previous check
	seen map[uint]int // as-soon-as-possible policies woken for, by revision
}

// WakeResult counts one check's work.
type WakeResult struct {
	Policies  int      `json:"policies"`
	Computers int      `json:"computers"`
	Packets   int      `json:"packets"`
	NoMAC     []string `json:"no_mac"` // computers without a MAC address in their inventory
}

func (w *Waker) defaults() {
	if w.Clock == nil {
		w.Clock = clockwork.NewRealClock()
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Dest == "" {
		w.Dest = DefaultWakeDest
	}
	if w.Lead <= 0 {
		w.Lead = 5 * time.Minute
	}
	if w.Every <= 0 {
		w.Every = time.Minute
	}
	if w.Recent <= 0 {
		w.Recent = 24 * time.Hour
	}
	if w.seen == nil {
		w.seen = map[uint]int{}
	}
}

// Run checks every minute until ctx ends; the host starts it beside the scheduler.
func (w *Waker) Run(ctx context.Context) {
	w.mu.Lock()
	w.defaults()
	w.mu.Unlock()
	for {
		if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("wake on LAN", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.Clock.After(w.Every):
		}
	}
}

// Check wakes the computers of the policies that became due since the previous check.
func (w *Waker) Check(ctx context.Context) (WakeResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.defaults()
	now := w.Clock.Now()
	last := w.last
	if last.IsZero() {
		last = now.Add(-w.Every)
	}
	ps, err := w.Store.WakePolicies(ctx)
	if err != nil {
		return WakeResult{}, err
	}
	var res WakeResult
	for _, p := range ps {
		if !w.due(p, last, now) {
			continue
		}
		cs, err := w.Store.PolicyComputerMACs(ctx, p.ID)
		if err != nil {
			return res, err
		}
		res.Policies++
		for _, c := range cs {
			if len(c.MACs) == 0 {
				res.NoMAC = append(res.NoMAC, c.Name)
				continue
			}
			res.Computers++
			for _, mac := range c.MACs {
				if err := SendMagicPacket(ctx, w.Dest, mac); err != nil {
					w.Log.Warn("wake on LAN", "computer", c.Name, "mac", mac, "err", err)
					continue
				}
				res.Packets++
			}
		}
		w.Log.Info("wake on LAN", "policy", p.Name, "computers", len(cs), "packets", res.Packets)
	}
	w.last = now
	return res, nil
}

// due says whether the policy's computers are to be woken in (last, now]. A scheduled policy's
// time is read on the host's clock and zone, which is the office's; interval schedules ("every
// 4h") count from each agent's own start and cannot be foreseen, so they do not wake.
func (w *Waker) due(p model.WakePolicy, last, now time.Time) bool {
	switch p.Run {
	case model.PolicyRunASAP:
		if rev, ok := w.seen[p.ID]; ok && rev == p.Revision {
			return false
		}
		w.seen[p.ID] = p.Revision
		return now.Sub(p.UpdatedAt) <= w.Recent
	case model.PolicyRunSchedule:
		sp, err := schedule.Parse(p.Schedule)
		if err != nil || sp.Kind == schedule.Every {
			return false
		}
		// Wake when a run time minus the lead falls in (last, now].
		next, ok := sp.Next(last.Add(w.Lead).Local(), time.Time{})
		return ok && !next.Add(-w.Lead).After(now)
	}
	return false
}

// MagicPacket is the Wake-on-LAN frame for a MAC address: six 0xFF bytes, then the address
// sixteen times.
func MagicPacket(mac string) ([]byte, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return nil, fmt.Errorf("wake on LAN: MAC address %q is not a 6-byte address", mac)
	}
	p := make([]byte, 0, 102)
	for range 6 {
		p = append(p, 0xff)
	}
	for range 16 {
		p = append(p, hw...)
	}
	return p, nil
}

// SendMagicPacket sends one magic packet over UDP to dest (host:port). Go's UDP sockets allow
// broadcast, so the default destination needs nothing more.
func SendMagicPacket(ctx context.Context, dest, mac string) error {
	p, err := MagicPacket(mac)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp4", dest)
	if err != nil {
		return fmt.Errorf("wake %s: open UDP socket to %s: %w", mac, dest, err)
	}
	defer conn.Close()
	if _, err := conn.Write(p); err != nil {
		return fmt.Errorf("wake %s: send magic packet to %s: %w", mac, dest, err)
	}
	return nil
}
