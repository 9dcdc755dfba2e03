package jobs

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/model"
	"patchdesk/model/settings"
)

var quiet = slog.New(slog.DiscardHandler)

func newRunner(t testing.TB) (*Runner, *model.Store, settings.Source) {
	t.Helper()
	dir := t.TempDir()
	store, err := model.Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return NewRunner(store, dir, "test", quiet), store, settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "h"}}
}

func TestRunRecordsHistory(t *testing.T) {
	r, store, _ := newRunner(t)
	r.Register(Job{Name: "count", Run: func(ctx context.Context, run *Run) error {
		run.Add("added", 3)
		run.Add("added", 2)
		run.Say("did it")
		return nil
	}})
	r.Register(Job{Name: "fail", Run: func(ctx context.Context, run *Run) error { return errors.New("disk full") }})
	r.Register(Job{Name: "panic", Run: func(ctx context.Context, run *Run) error { panic("boom") }})
	var events []Event
	r.Subscribe(func(e Event) { events = append(events, e) })

	ctx := context.Background()
	if _, err := r.Run(ctx, "count", "manual"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, "fail", "manual"); err == nil || err.Error() != "disk full" {
		t.Fatalf("failing job: err = %v", err)
	}
	if _, err := r.Run(ctx, "panic", "manual"); err == nil {
		t.Fatal("panicking job reported success")
	}
	if _, err := r.Run(ctx, "nope", "manual"); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("unknown job: err = %v", err)
	}
	last, err := store.LastJobRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ job, outcome, message string }{
		{"count", model.OutcomeSucceeded, "did it"},
		{"fail", model.OutcomeFailed, "disk full"},
		{"panic", model.OutcomeFailed, "job panic panicked: boom"},
	}
	for _, tt := range tests {
		got := last[tt.job]
		if got.Outcome != tt.outcome || got.Message != tt.message || got.EndedAt == nil {
			t.Errorf("run of %s = %+v, want outcome %s message %q", tt.job, got, tt.outcome, tt.message)
		}
	}
	if c := last["count"].DecodeCounts(); c["added"] != 5 {
		t.Errorf("counts = %v, want added 5", c)
	}
	finished := 0
	for _, e := range events {
		if e.Finished != nil {
			finished++
		}
	}
	if finished != 3 {
		t.Errorf("%d finish events, want 3", finished)
	}
}

func TestSecondRunIsRefusedWhileRunning(t *testing.T) {
	r, _, _ := newRunner(t)
	started, release := make(chan struct{}), make(chan struct{})
	r.Register(Job{Name: "slow", Run: func(ctx context.Context, run *Run) error {
		close(started)
		<-release
		return nil
	}})
	done := make(chan error)
	go func() { _, err := r.Run(context.Background(), "slow", "manual"); done <- err }()
	<-started
	// A second runner on the same data dir stands for another process (the CLI).
	other := NewRunner(r.store, r.dataDir, "cli", quiet)
	other.Register(r.jobs[0])
	if _, err := other.Run(context.Background(), "slow", "cli"); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second run: err = %v, want ErrAlreadyRunning", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCancelledRun(t *testing.T) {
	r, store, _ := newRunner(t)
	started := make(chan struct{})
	r.Register(Job{Name: "wait", Run: func(ctx context.Context, run *Run) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	done := make(chan struct{})
	go func() { r.Run(context.Background(), "wait", "manual"); close(done) }()
	<-started
	if !r.Cancel("wait") {
		t.Fatal("Cancel found no running job")
	}
	<-done
	runs, _ := store.JobRuns(context.Background(), "wait", 1)
	if len(runs) != 1 || runs[0].Outcome != model.OutcomeCancelled {
		t.Fatalf("runs = %+v, want one cancelled", runs)
	}
}

func TestRecoverInterrupted(t *testing.T) {
	r, store, _ := newRunner(t)
	ctx := context.Background()
	if _, err := store.StartJobRun(ctx, "import-catalog", "schedule", "gui"); err != nil {
		t.Fatal(err)
	}
	if err := r.RecoverInterrupted(ctx); err != nil {
		t.Fatal(err)
	}
	runs, _ := store.JobRuns(ctx, "import-catalog", 1)
	if runs[0].Outcome != model.OutcomeInterrupted {
		t.Fatalf("outcome = %s, want interrupted", runs[0].Outcome)
	}
}

// A run killed while a host kept running (so no start-up recovery saw it) is marked when its job
// runs next: the new run holds the job's lock, so the old one cannot be alive.
func TestNextRunMarksDeadRunInterrupted(t *testing.T) {
	r, store, _ := newRunner(t)
	ctx := context.Background()
	r.Register(Job{Name: "count", Run: func(ctx context.Context, run *Run) error { return nil }})
	dead, err := store.StartJobRun(ctx, "count", "cli", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, "count", "manual"); err != nil {
		t.Fatal(err)
	}
	runs, _ := store.JobRuns(ctx, "count", 10)
	outcomes := map[uint]string{}
	for _, run := range runs {
		outcomes[run.ID] = run.Outcome
	}
	if len(runs) != 2 || outcomes[dead.ID] != model.OutcomeInterrupted {
		t.Fatalf("runs %v: the dead run %d should be interrupted", outcomes, dead.ID)
	}
}

func TestSchedulerRunsAndReschedules(t *testing.T) {
	r, _, src := newRunner(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{}, 4)
	r.Register(Job{Name: "tick", ScheduleKey: settings.KeyMaintenanceSched, Run: func(ctx context.Context, run *Run) error {
		ran <- struct{}{}
		return nil
	}})
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)
	clock := clockwork.NewFakeClockAt(start)
	s, err := NewScheduler(ctx, r, clock, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	save := func(value string) {
		t.Helper()
		if _, err := src.Save(ctx, "t", map[string]string{settings.KeyMaintenanceSched: value}); err != nil {
			t.Fatal(err)
		}
		v, _ := src.Load(ctx)
		if err := s.Apply(v); err != nil {
			t.Fatal(err)
		}
	}
	save("every 1h")
	s.Start()
	next, ok := s.NextRun("tick")
	if !ok || !next.Equal(start.Add(time.Hour)) {
		t.Fatalf("next run = %v %v, want %v", next, ok, start.Add(time.Hour))
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run when its hour came")
	}

	save("daily 23:30")
	next, ok = s.NextRun("tick")
	want := time.Date(2026, 11, 27, 23, 30, 0, 0, time.Local)
	if !ok || !next.Equal(want) {
		t.Fatalf("after rescheduling, next run = %v %v, want %v", next, ok, want)
	}

	save("manual")
	if next, ok := s.NextRun("tick"); ok {
		t.Fatalf("a manual job is still scheduled for %v", next)
	}
}
