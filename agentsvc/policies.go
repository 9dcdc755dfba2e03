package agentsvc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// PolicyStore is what the policies endpoint needs from the database; *model.Store has it.
type PolicyStore interface {
	Assignments(ctx context.Context, computerID uint) ([]model.AssignedPolicy, error)
	AssignmentRevisions(ctx context.Context) (model.AssignmentRevisions, error)
	AddDeliveryEvents(ctx context.Context, events []model.DeliveryEvent) error
}

// LimitStore narrows assignments: maintenance windows, denied updates and deployment delays.
// *model.Store has it; a PolicyStore without it serves assignments unlimited.
type LimitStore interface {
	DeliveryLimits(ctx context.Context, computerID uint) (model.DeliveryLimits, error)
	LimitRevisions(ctx context.Context, now time.Time) (model.LimitRevisions, error)
}

// Policies serves the agent install cycle: the policy revision in check-in replies, the
// computer's assignments at wire.PathPolicies, and the delivery events agents post.
type Policies struct {
	store  PolicyStore
	limits LimitStore // nil: no windows, denials or delays
	src    SettingsSource
	log    *slog.Logger
	ttl    time.Duration
	now    func() time.Time

	cache      atomic.Pointer[revisionCache]
	refreshing atomic.Bool
	refreshMu  sync.Mutex
}

// revisionCache lets check-ins, thousands a second, answer the revision from memory.
type revisionCache struct {
	at       time.Time
	revs     model.AssignmentRevisions
	limits   model.LimitRevisions
	settings string
}

// NewPolicies prepares the service; ttl is how stale a check-in's revision may be (default 5s).
func NewPolicies(store PolicyStore, src SettingsSource, log *slog.Logger, ttl time.Duration) *Policies {
	if log == nil {
		log = slog.Default()
	}
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	p := &Policies{store: store, src: src, log: log.With("component", "policies"), ttl: ttl, now: time.Now}
	// Asserted rather than required, so that NewPolicies keeps its signature for its callers.
	p.limits, _ = store.(LimitStore)
	return p
}

// policyServices ties a Policies to its listener. It lives here rather than as a field of Server
// because server.go is the listener's own file; moving it into the struct changes nothing else.
var policyServices sync.Map // *Server → *Policies

// ServePolicies mounts the policies endpoint and makes check-ins carry the policy revision and
// delivery events reach the store. Call it before Start.
func (s *Server) ServePolicies(p *Policies) {
	policyServices.Store(s, p)
	s.HandleAgent("POST "+wire.PathPolicies, s.endpoint(true, wire.MaxPoliciesBody, p.handle))
}

func (s *Server) policies() *Policies {
	p, _ := policyServices.Load(s)
	pp, _ := p.(*Policies)
	return pp
}

// policyRevision is the check-in hook: "" when no policies are served.
func (s *Server) policyRevision(ctx context.Context, computer uint) string {
	p := s.policies()
	if p == nil {
		return ""
	}
	c := p.cache.Load()
	switch {
	case c == nil:
		var err error
		if c, err = p.refresh(ctx); err != nil {
			p.log.Warn("policy revision", "err", err)
			return ""
		}
	case p.now().Sub(c.at) > p.ttl && p.refreshing.CompareAndSwap(false, true):
		// This check-in refreshes and answers from the fresh data, so that a lone agent hears of a
		// new policy now rather than one check-in interval later; check-ins arriving meanwhile use
		// the older revision, so at most one of them per TTL waits for the database.
		defer p.refreshing.Store(false)
		if fresh, err := p.refresh(ctx); err != nil {
			p.log.Warn("policy revision", "err", err)
		} else {
			c = fresh
		}
	}
	return c.revision(computer)
}

func (c *revisionCache) revision(computer uint) string {
	h := sha256.Sum256([]byte(c.revs.Global + "|" + c.settings + "|" + c.revs.ByComputer[computer] +
		"|" + c.limits.Global + "|" + c.limits.ByComputer[computer]))
	return hex.EncodeToString(h[:12])
}

func (p *Policies) refresh(ctx context.Context) (*revisionCache, error) {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	at := p.now()
	revs, err := p.store.AssignmentRevisions(ctx)
	if err != nil {
		return nil, err
	}
	sr, err := p.src.Revision(ctx)
	if err != nil {
		return nil, fmt.Errorf("settings revision: %w", err)
	}
	c := &revisionCache{at: at, revs: revs, settings: sr}
	if p.limits != nil {
		if c.limits, err = p.limits.LimitRevisions(ctx, at); err != nil {
			return nil, err
		}
	}
	p.cache.Store(c)
	return c, nil
}

// handle answers wire.PathPolicies from fresh data, so the revision returned matches the
// assignments sent with it.
func (p *Policies) handle(ctx context.Context, c *call) (any, error) {
	var req wire.PoliciesRequest
	if err := decodeStrict(c.body, &req); err != nil {
		return nil, err
	}
	cache, err := p.refresh(ctx)
	if err != nil {
		return nil, err
	}
	vals, err := p.src.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	as, err := p.store.Assignments(ctx, c.computer)
	if err != nil {
		return nil, err
	}
	var lim model.DeliveryLimits
	if p.limits != nil {
		if lim, err = p.limits.DeliveryLimits(ctx, c.computer); err != nil {
			return nil, err
		}
	}
	now := p.now()
	plugin, err := pluginSettings(vals)
	if err != nil {
		// The agent still gets its policies; a Windows install as the specified user then fails
		// with "no password", which points the administrator here.
		p.log.Warn("run-as password not sent", "computer", c.computer, "err", err)
	}
	resp := wire.PoliciesResponse{Revision: cache.revision(c.computer), Plugin: plugin, Assignments: []wire.Assignment{}}
	for _, w := range lim.Windows {
		resp.MaintenanceWindows = append(resp.MaintenanceWindows, wire.MaintenanceWindow{Name: w.Name, Spec: w.Spec})
	}
	for _, a := range as {
		wa := wire.Assignment{PolicyID: a.ID, PolicyName: a.Name, PolicyRevision: a.Revision, Run: a.Run, Schedule: a.Schedule,
			AllowImmediateRestart: a.AllowImmediateRestart, OverrideMaintenanceWindows: a.OverrideMaintenanceWindows,
			Updates: make([]wire.AssignedUpdate, 0, len(a.Updates))}
		for _, u := range a.Updates {
			if withheld(lim, a.ID, u, now) {
				continue
			}
			wu, err := assignedUpdate(u)
			if err != nil {
				return nil, err
			}
			wa.Updates = append(wa.Updates, wu)
		}
		resp.Assignments = append(resp.Assignments, wa)
	}
	return resp, nil
}

// withheld says whether an update stays off the computer for now: denied everywhere, or not yet
// past its bulletin's release plus the delay of the policy's target that holds the computer.
// The revision moves when the delay runs out (model.LimitRevisions), so the agent fetches it then.
func withheld(l model.DeliveryLimits, policyID uint, u model.AssignedUpdate, now time.Time) bool {
	if l.Denied[u.ID] {
		return true
	}
	at := l.AvailableAt(policyID, u.BulletinID)
	return !at.IsZero() && now.Before(at)
}

func assignedUpdate(u model.AssignedUpdate) (wire.AssignedUpdate, error) {
	w := wire.AssignedUpdate{ID: u.ID, BulletinID: u.BulletinID, Name: u.Name, SHA256: u.PackageSHA256, Size: u.PackageSize,
		FileName: u.PackageName, CommandLine: u.CommandLine, Restart: u.Restart, SupersededBy: u.SupersededBy,
		SuccessCodes: slices.Clone(model.DefaultSuccessCodes), RebootCodes: slices.Clone(model.DefaultRebootCodes)}
	if u.ApplicableRule != "" {
		w.ApplicableRule = json.RawMessage(u.ApplicableRule)
	}
	if u.InstalledRule != "" {
		w.InstalledRule = json.RawMessage(u.InstalledRule)
	}
	for _, f := range []struct {
		raw string
		dst *[]int
	}{{u.SuccessCodes, &w.SuccessCodes}, {u.RebootCodes, &w.RebootCodes}} {
		if f.raw == "" {
			continue
		}
		// A fresh slice: decoding into the default's would overwrite model's shared array.
		var codes []int
		if err := json.Unmarshal([]byte(f.raw), &codes); err != nil {
			return w, fmt.Errorf("update %s exit codes %q: %w", u.ID, f.raw, err)
		}
		*f.dst = codes
	}
	return w, nil
}

// pluginSettings turns the Default Software Update Plug-in Policy and the remediation program
// settings into what the agent applies. The error concerns the run-as password only, which is
// then left out.
func pluginSettings(v settings.Values) (wire.PluginSettings, error) {
	ps := wire.PluginSettings{
		InstallSchedule:            v.Raw(settings.KeyInstallSchedule),
		ReinstallAttempts:          v.Int(settings.KeyReinstallAttempts),
		TerminateAfterS:            int(v.Duration(settings.KeyTerminateAfter) / time.Second),
		Restart:                    v.Raw(settings.KeyRestart),
		RestartSchedule:            v.Raw(settings.KeyRestartSchedule),
		AllowUserRun:               v.Bool(settings.KeyAllowUserRun),
		OverrideMaintenanceWindows: v.Bool(settings.KeyOverrideWindows),
		NotifyUser:                 v.Bool(settings.KeyNotifyUser),
		NotifyMinutes:              v.Int(settings.KeyNotifyMinutes),
		NotifyMessage:              v.Raw(settings.KeyNotifyMessage),
		ShowProgress:               v.Bool(settings.KeyShowProgress),
		ReminderMessage:            v.Bool(settings.KeyReminder),
		ReminderSchedule:           v.Raw(settings.KeyReminderSchedule),
		PendingRestartMessage:      v.Bool(settings.KeyPendingRestart),
		PendingRestartMinutes:      v.Int(settings.KeyPendingMinutes),
		AllowDefer:                 v.Bool(settings.KeyAllowDefer),
		MaxDeferralS:               int(v.Duration(settings.KeyMaxDeferral) / time.Second),
		RunWithRights:              v.Raw(settings.KeyRunWithRights),
		RunAsUser:                  v.Raw(settings.KeyRunAsUser),
		ProgramCanRun:              v.Raw(settings.KeyProgramCanRun),
		ClientDownloadLocation:     v.Raw(settings.KeyClientDownloadDir),
	}
	if ps.RunWithRights != "specified_user" {
		return ps, nil
	}
	var err error
	ps.RunAsPassword, err = v.Secret(settings.KeyRunAsPassword)
	return ps, err
}

// storeDeliveries is the events hook: delivery events are stored whether or not the host keeps
// agent events, because they are the install cycle's results, not diagnostics.
func (s *Server) storeDeliveries(ctx context.Context, computer uint, events []wire.Event, now time.Time) (int, error) {
	p := s.policies()
	if p == nil {
		return 0, nil
	}
	var ds []model.DeliveryEvent
	for _, e := range events {
		if e.Delivery == nil {
			continue
		}
		d := e.Delivery
		ds = append(ds, model.DeliveryEvent{ComputerID: computer, UpdateID: d.UpdateID, PolicyID: d.PolicyID, Attempt: d.Attempt,
			Status: d.Status, ExitCode: d.ExitCode, Message: e.Message, LogTail: d.LogTail, At: e.At.UTC(), ReceivedAt: now})
	}
	if err := p.store.AddDeliveryEvents(ctx, ds); err != nil {
		return 0, err
	}
	return len(ds), nil
}
