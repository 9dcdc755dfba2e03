// Package jobs runs PatchDesk's server jobs (catalog import, downloads, integrity, purge, target
// update, replication, upkeep): a registry of named jobs, a runner that records every run in
// the job history, and a gocron scheduler that starts them on the schedules held in settings.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"patchdesk/model"
)

// Job is one named server job.
type Job struct {
	Name        string // stable, used by `patchdesk job run NAME`
	Title       string
	Description string
	// ScheduleKey is the setting that holds the job's schedule.
	ScheduleKey string
	Run         func(ctx context.Context, run *Run) error
}

// Run is what a running job reports through: progress, named counts and a message.
type Run struct {
	Job   string
	Start time.Time

	mu      sync.Mutex
	done    int64
	total   int64
	counts  map[string]int64
	message string
	notify  func()
}

// Progress sets how far the job is; total 0 means unknown.
func (r *Run) Progress(done, total int64) {
	r.mu.Lock()
	r.done, r.total = done, total
	r.mu.Unlock()
	r.notify()
}

// Add adds n to a named count ("added", "removed", …).
func (r *Run) Add(name string, n int64) {
	r.mu.Lock()
	r.counts[name] += n
	r.mu.Unlock()
	r.notify()
}

// Say sets the run's message: what it is doing now, and at the end what it did.
func (r *Run) Say(format string, args ...any) {
	r.mu.Lock()
	r.message = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	r.notify()
}

// Snapshot is a copy of a run's state for display.
type Snapshot struct {
	Job     string
	Start   time.Time
	Done    int64
	Total   int64
	Counts  map[string]int64
	Message string
}

// Snapshot copies the run's current state.
func (r *Run) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Snapshot{Job: r.Job, Start: r.Start, Done: r.done, Total: r.total, Counts: maps.Clone(r.counts), Message: r.message}
}

// Event tells subscribers about a run: Finished is nil while it runs.
type Event struct {
	Job      string
	Live     Snapshot
	Finished *model.JobRun
}

// ErrAlreadyRunning means the job is running, in this process or another one on the data dir.
var ErrAlreadyRunning = errors.New("job is already running")

// ErrUnknownJob is returned for a name no job has.
var ErrUnknownJob = errors.New("unknown job")

// Runner runs registered jobs and records their history.
type Runner struct {
	store   *model.Store
	dataDir string
	host    string
	log     *slog.Logger

	mu        sync.Mutex
	jobs      []Job
	live      map[string]*Run
	cancels   map[string]context.CancelFunc
	listeners []func(Event)
}

// NewRunner makes a runner for the data dir; host names the process ("gui", "serve", "cli").
func NewRunner(store *model.Store, dataDir, host string, log *slog.Logger) *Runner {
	return &Runner{store: store, dataDir: dataDir, host: host, log: log, live: map[string]*Run{}, cancels: map[string]context.CancelFunc{}}
}

// Register adds a job; names must be unique.
func (r *Runner) Register(j Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.jobs {
		if have.Name == j.Name {
			panic("jobs: duplicate job " + j.Name)
		}
	}
	r.jobs = append(r.jobs, j)
}

// Jobs lists the registered jobs in registration order.
func (r *Runner) Jobs() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Job(nil), r.jobs...)
}

// Lookup finds a job by name.
func (r *Runner) Lookup(name string) (Job, error) {
	for _, j := range r.Jobs() {
		if j.Name == name {
			return j, nil
		}
	}
	return Job{}, fmt.Errorf("%w %q", ErrUnknownJob, name)
}

// Subscribe calls fn for every start, progress report and end of a run in this process.
// fn runs on the job's goroutine and must not block.
func (r *Runner) Subscribe(fn func(Event)) {
	r.mu.Lock()
	r.listeners = append(r.listeners, fn)
	r.mu.Unlock()
}

func (r *Runner) emit(e Event) {
	r.mu.Lock()
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	for _, fn := range ls {
		fn(e)
	}
}

// Live returns the state of a job running in this process.
func (r *Runner) Live(name string) (Snapshot, bool) {
	r.mu.Lock()
	run, ok := r.live[name]
	r.mu.Unlock()
	if !ok {
		return Snapshot{}, false
	}
	return run.Snapshot(), true
}

// Cancel asks a job running in this process to stop.
func (r *Runner) Cancel(name string) bool {
	r.mu.Lock()
	cancel, ok := r.cancels[name]
	r.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

func (r *Runner) lockPath(name string) string {
	return filepath.Join(r.dataDir, "locks", name+".lock")
}

// Run runs a job now and records the run; it fails with ErrAlreadyRunning when the job runs
// elsewhere. The returned run holds the outcome; the error is the job's own failure.
func (r *Runner) Run(ctx context.Context, name, trigger string) (model.JobRun, error) {
	job, err := r.Lookup(name)
	if err != nil {
		return model.JobRun{}, err
	}
	if err := os.MkdirAll(filepath.Join(r.dataDir, "locks"), 0o700); err != nil {
		return model.JobRun{}, fmt.Errorf("job %s: create lock dir: %w", name, err)
	}
	lock := flock.New(r.lockPath(name))
	ok, err := lock.TryLock()
	if err != nil {
		return model.JobRun{}, fmt.Errorf("job %s: lock: %w", name, err)
	}
	if !ok {
		return model.JobRun{}, fmt.Errorf("%s: %w", name, ErrAlreadyRunning)
	}
	defer lock.Unlock()
	// Holding the lock, any run of this job still marked running died with its process (a CLI
	// run killed while a host kept running, so no start-up recovery saw it).
	if err := r.interruptDead(ctx, name); err != nil {
		return model.JobRun{}, err
	}

	rec, err := r.store.StartJobRun(ctx, name, trigger, r.host)
	if err != nil {
		return rec, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run := &Run{Job: name, Start: rec.StartedAt, counts: map[string]int64{}}
	run.notify = func() { r.emit(Event{Job: name, Live: run.Snapshot()}) }
	r.mu.Lock()
	r.live[name], r.cancels[name] = run, cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.live, name)
		delete(r.cancels, name)
		r.mu.Unlock()
	}()
	r.log.Info("job started", "job", name, "trigger", trigger)
	run.notify()

	jobErr := safeRun(ctx, job, run)
	snap := run.Snapshot()
	outcome, msg := model.OutcomeSucceeded, snap.Message
	switch {
	case jobErr != nil && ctx.Err() != nil:
		outcome, msg = model.OutcomeCancelled, "cancelled: "+jobErr.Error()
	case jobErr != nil:
		outcome, msg = model.OutcomeFailed, jobErr.Error()
	}
	if err := r.store.FinishJobRun(&rec, outcome, msg, snap.Counts); err != nil {
		return rec, errors.Join(jobErr, err)
	}
	level := slog.LevelInfo
	if jobErr != nil {
		level = slog.LevelError
	}
	r.log.Log(ctx, level, "job finished", "job", name, "outcome", outcome, "message", msg, "took", time.Since(run.Start).Round(time.Millisecond))
	r.emit(Event{Job: name, Live: snap, Finished: &rec})
	return rec, jobErr
}

// safeRun turns a job's panic into its failure, so one bad job cannot take the host down.
func safeRun(ctx context.Context, job Job, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", job.Name, p)
		}
	}()
	return job.Run(ctx, run)
}

// RecoverInterrupted marks runs left "running" by a process that died as interrupted. A run
// whose job lock is still held belongs to a live process and is left alone.
func (r *Runner) RecoverInterrupted(ctx context.Context) error {
	runs, err := r.store.RunningJobRuns(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(r.dataDir, "locks"), 0o700); err != nil {
		return fmt.Errorf("create lock dir: %w", err)
	}
	for _, run := range runs {
		lock := flock.New(r.lockPath(run.Job))
		ok, err := lock.TryLock()
		if err != nil || !ok {
			continue
		}
		err = r.markInterrupted(run)
		lock.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// interruptDead marks the runs of job left "running" as interrupted; the caller holds the job's
// lock, so none of them is alive.
func (r *Runner) interruptDead(ctx context.Context, job string) error {
	runs, err := r.store.RunningJobRuns(ctx)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.Job == job {
			if err := r.markInterrupted(run); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Runner) markInterrupted(run model.JobRun) error {
	if err := r.store.FinishJobRun(&run, model.OutcomeInterrupted, "the process running this job ended before it finished", run.DecodeCounts()); err != nil {
		return err
	}
	r.log.Warn("job run was interrupted", "job", run.Job, "started", run.StartedAt)
	return nil
}
