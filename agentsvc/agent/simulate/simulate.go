// Package simulate runs many synthetic agents in one process against a real host, for demos and
// load tests: each enrols with the token, uploads a realistic Windows inventory and checks in
// like patchagent does, and the run ends with throughput, latency percentiles and error counts.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"patchdesk/agentsvc/agent"
	"patchdesk/agentsvc/wire"
	"patchdesk/assets"
	"patchdesk/model/inventory"
)

// Config is a simulation run.
type Config struct {
	Count int
	Token string
	// Servers replaces the token's host URLs.
	Servers []string
	// Interval between one agent's check-ins; 0 checks in back to back (the most the host takes).
	Interval time.Duration
	// Duration of the check-in phase after enrolment.
	Duration time.Duration
	// ChangeRate is the chance that an agent's inventory changed before a check-in.
	ChangeRate float64
	// Conns is the number of HTTPS connections (and concurrent requests) the agents share.
	Conns   int
	Version string
	// Prefix names the computers (Prefix-00001...); default "SIM".
	Prefix string
	// Catalog is the PatchDesk-format catalog the inventories are modelled on (see newProfile);
	// nil: the embedded snapshot.
	Catalog fs.FS
	Log     *slog.Logger
}

// Result is what a run measured.
type Result struct {
	Agents      int            `json:"agents"`
	Enrolled    int            `json:"enrolled"`
	Conns       int            `json:"conns"`
	IntervalS   float64        `json:"interval_s"`
	ChangeRate  float64        `json:"change_rate"`
	EnrolPhase  Phase          `json:"enrol_phase"` // enrolment plus first inventory of every agent
	Enrol       Latency        `json:"enrol"`
	Checkin     Latency        `json:"checkin"`
	Inventory   Latency        `json:"inventory"`
	RunSeconds  float64        `json:"run_s"`
	CheckinsPS  float64        `json:"checkins_per_s"` // check-ins answered per second in the run phase
	ChangedPS   float64        `json:"changed_per_s"`  // check-ins whose inventory was uploaded, per second
	RequestsPS  float64        `json:"requests_per_s"` // all requests per second in the run phase
	Errors      map[string]int `json:"errors"`         // "checkin: 503", "inventory: connection refused", ...
	ErrorsTotal int            `json:"errors_total"`
	// Acked maps each computer name to the digest of its last inventory the host acknowledged,
	// to check after a crash that none was lost.
	Acked map[string]string `json:"-"`
}

// Phase is a timed part of a run.
type Phase struct {
	Seconds   float64 `json:"s"`
	PerSecond float64 `json:"per_s"`
}

// Latency summarises one kind of request.
type Latency struct {
	Count int     `json:"count"`
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

type simAgent struct {
	name    string
	client  *agent.Client
	profile *profile
	machine machine
	digest  string
	acked   string
}

// recorder collects latencies and errors from all workers.
type recorder struct {
	mu     sync.Mutex
	lat    map[string][]time.Duration
	errors map[string]int
}

func (r *recorder) add(kind string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors[kind+": "+errorClass(err)]++
		return
	}
	r.lat[kind] = append(r.lat[kind], d)
}

func errorClass(err error) string {
	var se *agent.StatusError
	if errors.As(err, &se) {
		return fmt.Sprint(se.Status)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// Run enrols cfg.Count agents, then checks them in for cfg.Duration.
func Run(ctx context.Context, cfg Config) (Result, error) {
	tok, err := wire.ParseToken(cfg.Token)
	if err != nil {
		return Result{}, err
	}
	if cfg.Count < 1 {
		return Result{}, errors.New("simulate: count must be at least 1")
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 200
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "SIM"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Catalog == nil {
		cfg.Catalog = assets.Catalog()
	}
	bulletins, err := ReadCatalog(cfg.Catalog)
	if err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	prof, err := newProfile(bulletins)
	if err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	urls := tok.URLs
	if len(cfg.Servers) > 0 {
		urls = cfg.Servers
	}
	hc := agent.NewHTTPClient(tok.CAFingerprint, cfg.Conns)
	defer hc.CloseIdleConnections()
	rec := &recorder{lat: map[string][]time.Duration{}, errors: map[string]int{}}
	agents := make([]*simAgent, cfg.Count)
	for i := range agents {
		agents[i] = &simAgent{name: fmt.Sprintf("%s-%05d", cfg.Prefix, i+1), client: agent.NewClient(urls, tok.CAFingerprint, hc),
			profile: prof, machine: machine{seed: uint64(i + 1)}}
	}
	res := Result{Agents: cfg.Count, Conns: cfg.Conns, IntervalS: cfg.Interval.Seconds(), ChangeRate: cfg.ChangeRate}

	// Enrolment: each agent enrols, checks in and sends its first inventory, as patchagent does.
	start := time.Now()
	enrolled := make([]bool, len(agents))
	forEach(ctx, cfg.Conns, len(agents), func(i int) {
		a := agents[i]
		t0 := time.Now()
		_, err := a.client.Enrol(ctx, wire.EnrolRequest{Token: tok.EnrolSecret(), Hostname: a.name, OSFamily: "windows", AgentVersion: cfg.Version})
		rec.add("enrol", time.Since(t0), err)
		if err != nil {
			return
		}
		enrolled[i] = true
		a.checkin(ctx, rec, cfg.Version, false)
	})
	res.EnrolPhase.Seconds = time.Since(start).Seconds()
	var live []*simAgent
	for i, ok := range enrolled {
		if ok {
			live = append(live, agents[i])
		}
	}
	res.Enrolled = len(live)
	res.EnrolPhase.PerSecond = float64(len(live)) / res.EnrolPhase.Seconds
	enrolLat := summarise(rec.lat["enrol"])
	firstInv := len(rec.lat["inventory"])
	rec.lat = map[string][]time.Duration{"enrol": rec.lat["enrol"]}
	cfg.Log.Info("enrolment done", "agents", len(live), "seconds", res.EnrolPhase.Seconds, "first_inventories", firstInv)

	// Check-in phase: the agents share cfg.Conns workers; each worker serves its share of the
	// agents in turn, waiting for the next one's due time when an interval is set.
	if cfg.Duration > 0 && len(live) > 0 {
		runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
		start = time.Now()
		workers := min(cfg.Conns, len(live))
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				var mine []*simAgent
				for i := w; i < len(live); i += workers {
					mine = append(mine, live[i])
				}
				// Spread first check-ins over the interval, as jittered agents would be.
				offset := time.Duration(0)
				if cfg.Interval > 0 {
					offset = time.Duration(r.Int64N(int64(cfg.Interval) / int64(len(mine))))
				}
				step := cfg.Interval / time.Duration(len(mine))
				next := start.Add(offset)
				for k := 0; ; k++ {
					if cfg.Interval > 0 {
						if d := time.Until(next); d > 0 {
							select {
							case <-runCtx.Done():
								return
							case <-time.After(d):
							}
						}
						next = next.Add(step)
					}
					if runCtx.Err() != nil {
						return
					}
					mine[k%len(mine)].checkin(runCtx, rec, cfg.Version, r.Float64() < cfg.ChangeRate)
				}
			}(w)
		}
		wg.Wait()
		cancel()
		res.RunSeconds = time.Since(start).Seconds()
	}
	res.Enrol = enrolLat
	res.Checkin = summarise(rec.lat["checkin"])
	res.Inventory = summarise(rec.lat["inventory"])
	if res.RunSeconds > 0 {
		res.CheckinsPS = float64(res.Checkin.Count) / res.RunSeconds
		res.ChangedPS = float64(res.Inventory.Count) / res.RunSeconds
		res.RequestsPS = float64(res.Checkin.Count+res.Inventory.Count) / res.RunSeconds
	}
	res.Acked = make(map[string]string, len(live))
	for _, a := range live {
		if a.acked != "" {
			res.Acked[a.name] = a.acked
		}
	}
	res.Errors = rec.errors
	for k, n := range rec.errors {
		// A request cut off by the end of the run is not the host's error.
		if strings.Contains(k, "context deadline exceeded") || strings.Contains(k, "context canceled") {
			delete(res.Errors, k)
			continue
		}
		res.ErrorsTotal += n
	}
	return res, ctx.Err()
}

// checkin is one agent's check-in, uploading the inventory when the host wants it.
func (a *simAgent) checkin(ctx context.Context, rec *recorder, version string, change bool) {
	var inv *inventory.Inventory
	if change || a.digest == "" {
		if change {
			a.machine.generation++
		}
		built := a.profile.inventory(a.machine, a.name, version)
		inv, a.digest = &built, built.Digest()
	}
	t0 := time.Now()
	resp, err := a.client.Checkin(ctx, wire.CheckinRequest{InventoryDigest: a.digest, AgentVersion: version})
	rec.add("checkin", time.Since(t0), err)
	if err != nil || !resp.WantInventory {
		return
	}
	if inv == nil {
		built := a.profile.inventory(a.machine, a.name, version)
		inv = &built
	}
	t0 = time.Now()
	up, err := a.client.UploadInventory(ctx, inv)
	rec.add("inventory", time.Since(t0), err)
	if err == nil {
		a.acked = up.InventoryDigest
	}
}

// forEach runs fn for 0..n-1 on workers goroutines.
func forEach(ctx context.Context, workers, n int, fn func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	ds = slices.Clone(ds)
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) float64 { return ms(ds[int(q*float64(len(ds)-1))]) }
	return Latency{Count: len(ds), P50ms: p(0.50), P95ms: p(0.95), P99ms: p(0.99), MaxMs: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Write prints a result for people.
func (r Result) Write(w io.Writer) {
	fmt.Fprintf(w, "agents %d enrolled %d, %d connections, interval %gs, change rate %g\n", r.Agents, r.Enrolled, r.Conns, r.IntervalS, r.ChangeRate)
	fmt.Fprintf(w, "enrolment phase: %.1fs, %.0f agents/s (enrol + first check-in + first inventory)\n", r.EnrolPhase.Seconds, r.EnrolPhase.PerSecond)
	fmt.Fprintf(w, "run phase: %.1fs, %.0f check-ins/s, %.0f changed inventories/s, %.0f requests/s\n", r.RunSeconds, r.CheckinsPS, r.ChangedPS, r.RequestsPS)
	fmt.Fprintf(w, "%-10s %8s %8s %8s %8s %8s\n", "request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, l := range []struct {
		name string
		l    Latency
	}{{"enrol", r.Enrol}, {"checkin", r.Checkin}, {"inventory", r.Inventory}} {
		fmt.Fprintf(w, "%-10s %8d %8.1f %8.1f %8.1f %8.1f\n", l.name, l.l.Count, l.l.P50ms, l.l.P95ms, l.l.P99ms, l.l.MaxMs)
	}
	fmt.Fprintf(w, "errors: %d", r.ErrorsTotal)
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  [%s: %d]", k, r.Errors[k])
	}
	fmt.Fprintln(w)
}
