package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"patchdesk/model/schedule"
	"patchdesk/model/settings"
)

// Scheduler starts the runner's jobs on the schedules their settings hold.
type Scheduler struct {
	runner *Runner
	cron   gocron.Scheduler
	log    *slog.Logger
	ctx    context.Context

	mu    sync.Mutex
	ids   map[string]uuid.UUID
	specs map[string]string
}

// NewScheduler makes a scheduler; clock is nil for the real clock, a fake one in tests.
func NewScheduler(ctx context.Context, runner *Runner, clock clockwork.Clock, log *slog.Logger) (*Scheduler, error) {
	opts := []gocron.SchedulerOption{gocron.WithLogger(log), gocron.WithLocation(time.Local)}
	if clock != nil {
		opts = append(opts, gocron.WithClock(clock))
	}
	c, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("create job scheduler: %w", err)
	}
	return &Scheduler{runner: runner, cron: c, log: log, ctx: ctx, ids: map[string]uuid.UUID{}, specs: map[string]string{}}, nil
}

// Start begins running jobs on schedule.
func (s *Scheduler) Start() { s.cron.Start() }

// Shutdown stops the scheduler and cancels running jobs.
func (s *Scheduler) Shutdown() error { return s.cron.Shutdown() }

// Apply (re)schedules every job whose schedule setting changed; a "manual" schedule
// unschedules the job.
func (s *Scheduler) Apply(v settings.Values) error {
	var errs []error
	for _, j := range s.runner.Jobs() {
		if j.ScheduleKey == "" {
			continue
		}
		if err := s.apply(j, ScheduleOf(j, v)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Scheduler) apply(j Job, spec schedule.Spec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	text := spec.String()
	if s.specs[j.Name] == text {
		return nil
	}
	id, scheduled := s.ids[j.Name]
	if spec.Kind == schedule.Manual {
		if scheduled {
			if err := s.cron.RemoveJob(id); err != nil {
				return fmt.Errorf("unschedule job %s: %w", j.Name, err)
			}
			delete(s.ids, j.Name)
		}
		s.specs[j.Name] = text
		return nil
	}
	def, err := definition(spec)
	if err != nil {
		return fmt.Errorf("schedule job %s: %w", j.Name, err)
	}
	name := j.Name
	task := gocron.NewTask(func(ctx context.Context) {
		if _, err := s.runner.Run(ctx, name, "schedule"); errors.Is(err, ErrAlreadyRunning) {
			s.log.Info("scheduled run skipped: job is already running", "job", name)
		}
	})
	opts := []gocron.JobOption{gocron.WithName(name), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithContext(s.ctx)}
	var job gocron.Job
	if scheduled {
		job, err = s.cron.Update(id, def, task, opts...)
	} else {
		job, err = s.cron.NewJob(def, task, opts...)
	}
	if err != nil {
		return fmt.Errorf("schedule job %s (%s): %w", j.Name, text, err)
	}
	s.ids[j.Name] = job.ID()
	s.specs[j.Name] = text
	s.log.Info("job scheduled", "job", j.Name, "schedule", text)
	return nil
}

// ScheduleOf reads a job's schedule from its setting: a schedule, or an interval such as the patch
// filter update interval. A job without a schedule setting runs only when asked.
func ScheduleOf(j Job, v settings.Values) schedule.Spec {
	if j.ScheduleKey == "" {
		return schedule.Spec{Kind: schedule.Manual}
	}
	if d, err := settings.Lookup(j.ScheduleKey); err == nil && d.Kind == settings.Duration {
		return schedule.Spec{Kind: schedule.Every, Every: v.Duration(j.ScheduleKey)}
	}
	return v.Schedule(j.ScheduleKey)
}

func definition(spec schedule.Spec) (gocron.JobDefinition, error) {
	at := gocron.NewAtTimes(gocron.NewAtTime(uint(spec.Hour), uint(spec.Minute), 0))
	switch spec.Kind {
	case schedule.Every:
		return gocron.DurationJob(spec.Every), nil
	case schedule.Daily:
		return gocron.DailyJob(1, at), nil
	case schedule.Weekly:
		days := gocron.NewWeekdays(spec.Days[0], spec.Days[1:]...)
		return gocron.WeeklyJob(1, days, at), nil
	case schedule.Cron:
		return gocron.CronJob(spec.Cron, false), nil
	}
	return nil, fmt.Errorf("schedule %q cannot be run automatically", spec)
}

// NextRun tells when a job runs next; false when it is not scheduled.
func (s *Scheduler) NextRun(name string) (time.Time, bool) {
	s.mu.Lock()
	id, ok := s.ids[name]
	s.mu.Unlock()
	if !ok {
		return time.Time{}, false
	}
	for _, j := range s.cron.Jobs() {
		if j.ID() == id {
			t, err := j.NextRun()
			return t, err == nil && !t.IsZero()
		}
	}
	return time.Time{}, false
}

// SettingsSource loads the current settings.
type SettingsSource interface {
	Revision(ctx context.Context) (string, error)
	Load(ctx context.Context) (settings.Values, error)
}

// Watch re-applies schedules whenever the settings change, also when another process (the
// CLI) changed them. It polls every interval until ctx ends.
func (s *Scheduler) Watch(ctx context.Context, src SettingsSource, clock clockwork.Clock, interval time.Duration) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	last := ""
	for {
		rev, err := src.Revision(ctx)
		if err == nil && rev != last {
			v, err := src.Load(ctx)
			if err == nil {
				err = s.Apply(v)
			}
			if err != nil {
				s.log.Error("apply job schedules", "err", err)
			} else {
				last = rev
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-clock.After(interval):
		}
	}
}
