package agentsvc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"patchdesk/agentsvc/pki"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// Store is what the listener needs from the database; *model.Store has it.
type Store interface {
	Enrol(ctx context.Context, e model.Enrolment) (model.Computer, error)
	AgentAuths(ctx context.Context, ids ...uint) ([]model.AgentAuth, error)
	LastComputerChange(ctx context.Context) (uint, error)
	ComputerChanges(ctx context.Context, after uint) ([]model.ComputerChange, error)
	SaveHeartbeats(ctx context.Context, hs []model.Heartbeat) error
	SaveInventories(ctx context.Context, recs []model.InventoryRecord) ([]error, error)
	AddAgentEvents(ctx context.Context, events []model.AgentEvent) error
	TargetMemberIDs(ctx context.Context, name string) ([]uint, error)
}

// SettingsSource reads the settings and tells when they changed; settings.Source has it.
type SettingsSource interface {
	Load(ctx context.Context) (settings.Values, error)
	Revision(ctx context.Context) (string, error)
}

// Options tune the listener; the zero value is the production default.
type Options struct {
	// Addr, when set, replaces the listener.address setting (tests use "127.0.0.1:0").
	Addr string
	// CheckinInterval, when set, replaces the listener.checkin_interval setting (tests, benchmarks).
	CheckinInterval time.Duration
	// MaxInFlight bounds requests handled at once; more are shed with 503 (default 1024).
	MaxInFlight int
	// FlushEvery is how often check-ins are written to the database (default 1s).
	FlushEvery time.Duration
	// PollEvery is how often settings and administrators' changes to computers are read (default 1s).
	PollEvery time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Web serves every path outside the agent API on the same port: the administrators' browser
	// pages. Nil answers those paths with 404.
	Web http.Handler
}

func (o Options) withDefaults() Options {
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1024
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.PollEvery <= 0 {
		o.PollEvery = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server is the agent listener.
type Server struct {
	store   Store
	src     SettingsSource
	dataDir string
	log     *slog.Logger
	opts    Options
	ca      *pki.Authority
	reg     *registry
	writer  *writer
	limit   chan struct{}
	stats   counters

	cert atomic.Pointer[tls.Certificate]
	cfg  atomic.Pointer[hostConfig]

	refreshMu sync.Mutex // one refresh at a time: the poller's or the GUI's

	routes map[string]http.Handler // further agent endpoints, see HandleAgent

	// scanMembers are the computers of the scan.target target, which alone scan on schedule;
	// nil until first read (everyone scans). Read at most every scanTargetEvery.
	scanMembers  atomic.Pointer[map[uint]bool]
	scanLoadedAt time.Time

	mu         sync.Mutex
	http       *http.Server
	addr       net.Addr
	lastChange uint
	revision   string
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// hostConfig is what check-in replies carry from the settings.
type hostConfig struct {
	addr          string
	names         []string
	scanSchedule  string
	scanTarget    string
	onlyIfChanged bool
	agentEvents   bool
	checkin       time.Duration
}

// New prepares a listener for the data dir: it creates the host CA on first use. Start serves.
func New(store Store, src SettingsSource, dataDir string, log *slog.Logger, opts Options) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	opts = opts.withDefaults()
	ca, err := pki.LoadOrCreateCA(pki.Dir(dataDir))
	if err != nil {
		return nil, fmt.Errorf("agent listener: %w", err)
	}
	s := &Server{store: store, src: src, dataDir: dataDir, log: log.With("component", "listener"), opts: opts, ca: ca,
		reg: newRegistry(), limit: make(chan struct{}, opts.MaxInFlight)}
	return s, nil
}

// CAFingerprint is the pin that enrolment tokens carry.
func (s *Server) CAFingerprint() string { return s.ca.Fingerprint() }

// Addr is the address the listener is bound to (nil before Start).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Start loads the agents' state, binds the listener and serves until ctx ends or Shutdown.
// It returns once the listener accepts connections.
func (s *Server) Start(ctx context.Context) error {
	if err := s.loadSettings(ctx); err != nil {
		return err
	}
	last, err := s.store.LastComputerChange(ctx)
	if err != nil {
		return fmt.Errorf("agent listener: %w", err)
	}
	auths, err := s.store.AgentAuths(ctx)
	if err != nil {
		return fmt.Errorf("agent listener: %w", err)
	}
	s.reg.load(auths, true, nil)
	s.lastChange = last
	if err := s.renewCert(); err != nil {
		return err
	}
	s.writer = newWriter(s.store, s.reg, s.log, s.opts.FlushEvery)
	if err := s.bind(s.cfg.Load().addr); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.writer.run(runCtx) }()
	go func() { defer s.wg.Done(); s.poll(runCtx) }()
	go func() {
		select {
		case <-ctx.Done():
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			s.Shutdown(sctx)
		case <-runCtx.Done():
		}
	}()
	s.log.Info("agent listener started", "addr", s.Addr().String(), "agents", s.reg.size(), "ca_fingerprint", s.CAFingerprint())
	return nil
}

// Shutdown stops accepting, lets requests in flight finish (until ctx ends), then writes the
// check-ins still held in memory.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.http
	s.http = nil
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return err
}

// bind starts serving on addr, replacing the current listener once the new one is up.
func (s *Server) bind(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("agent listener: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler(),
		TLSConfig:         pki.ServerTLS(s.getCertificate),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // an inventory over a slow link
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          log.New(slogWriter{s.log}, "", 0),
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("agent listener stopped", "addr", addr, "err", err)
		}
	}()
	s.mu.Lock()
	old := s.http
	s.http, s.addr = srv, ln.Addr()
	s.mu.Unlock()
	if old != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			old.Shutdown(ctx)
		}()
	}
	return nil
}

func (s *Server) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cert.Load(), nil
}

// renewCert (re)issues the server certificate when it is due or the names changed.
func (s *Server) renewCert() error {
	names := s.cfg.Load().names
	if cur := s.cert.Load(); cur != nil && !s.ca.NeedsReissue(cur, names, s.opts.Now()) {
		return nil
	}
	cert, err := s.ca.ServerCert(pki.Dir(s.dataDir), names, s.opts.Now())
	if err != nil {
		return fmt.Errorf("agent listener: %w", err)
	}
	if old := s.cert.Swap(cert); old != nil {
		s.log.Info("server certificate reissued", "names", names, "expires", cert.Leaf.NotAfter)
	}
	return nil
}

func (s *Server) loadSettings(ctx context.Context) error {
	rev, err := s.src.Revision(ctx)
	if err != nil {
		return fmt.Errorf("agent listener: %w", err)
	}
	v, err := s.src.Load(ctx)
	if err != nil {
		return fmt.Errorf("agent listener: %w", err)
	}
	c := &hostConfig{
		addr:          v.Text(settings.KeyListenerAddress),
		names:         v.List(settings.KeyListenerNames),
		scanSchedule:  v.Schedule(settings.KeyScanSchedule).String(),
		scanTarget:    v.Text(settings.KeyScanTarget),
		onlyIfChanged: v.Bool(settings.KeyScanOnlyIfChanged),
		agentEvents:   v.Bool(settings.KeyAgentEvents),
		checkin:       v.Duration(settings.KeyCheckinInterval),
	}
	if s.opts.Addr != "" {
		c.addr = s.opts.Addr
	}
	if s.opts.CheckinInterval > 0 {
		c.checkin = s.opts.CheckinInterval
	}
	s.cfg.Store(c)
	s.revision = rev
	return nil
}

// poll notices settings saved and computers changed by another process (the CLI) or the GUI,
// and renews the certificate when it is due.
func (s *Server) poll(ctx context.Context) {
	t := time.NewTicker(s.opts.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("agent listener refresh", "err", err)
		}
	}
}

// refresh applies what changed since the last call.
func (s *Server) refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	var errs []error
	if rev, err := s.src.Revision(ctx); err != nil {
		errs = append(errs, err)
	} else if rev != s.revision {
		old := s.cfg.Load()
		if err := s.loadSettings(ctx); err != nil {
			errs = append(errs, err)
		} else if cur := s.cfg.Load(); cur.addr != old.addr {
			if err := s.bind(cur.addr); err != nil {
				errs = append(errs, err)
			} else {
				s.log.Info("agent listener moved", "addr", cur.addr)
			}
		}
	}
	if err := s.renewCert(); err != nil {
		errs = append(errs, err)
	}
	if err := s.applyComputerChanges(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.loadScanMembers(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// scanTargetEvery bounds how often the scan target's members are read: membership itself only
// changes on the patch filter update interval.
const scanTargetEvery = 30 * time.Second

// loadScanMembers reads which computers the System Assessment Scan's target holds.
func (s *Server) loadScanMembers(ctx context.Context) error {
	now := s.opts.Now()
	if !s.scanLoadedAt.IsZero() && now.Sub(s.scanLoadedAt) < scanTargetEvery {
		return nil
	}
	s.scanLoadedAt = now
	ids, err := s.store.TargetMemberIDs(ctx, s.cfg.Load().scanTarget)
	if err != nil {
		// A missing or broken target must not stop every computer's scans.
		s.scanMembers.Store(nil)
		return fmt.Errorf("read the scan target's members (all computers scan meanwhile): %w", err)
	}
	members := make(map[uint]bool, len(ids))
	for _, id := range ids {
		members[id] = true
	}
	s.scanMembers.Store(&members)
	return nil
}

// scanScheduleFor is the scan schedule a computer is told: its target's members scan on the
// System Assessment Scan schedule, others only when asked ("scan now").
func (s *Server) scanScheduleFor(id uint, cfg *hostConfig) string {
	if m := s.scanMembers.Load(); m != nil && !(*m)[id] {
		return "manual"
	}
	return cfg.scanSchedule
}

// applyComputerChanges reloads the computers an administrator revoked, deleted or asked to scan.
func (s *Server) applyComputerChanges(ctx context.Context) error {
	changes, err := s.store.ComputerChanges(ctx, s.lastChange)
	if err != nil || len(changes) == 0 {
		return err
	}
	var ids []uint
	for _, c := range changes {
		if !slices.Contains(ids, c.ComputerID) {
			ids = append(ids, c.ComputerID)
		}
	}
	auths, err := s.store.AgentAuths(ctx, ids...)
	if err != nil {
		return err
	}
	s.reg.load(auths, false, ids)
	s.lastChange = changes[len(changes)-1].ID
	return nil
}

// Refresh applies settings and computer changes now instead of at the next poll; the GUI calls
// it after revoking or deleting a computer so that the agent is refused at once.
func (s *Server) Refresh(ctx context.Context) error { return s.refresh(ctx) }

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("http", "msg", string(p))
	return len(p), nil
}
