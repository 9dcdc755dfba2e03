package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/datadir"
)

// runJSON is the stable shape of a job run (docs/cli.md).
type runJSON struct {
	ID        uint             `json:"id"`
	Job       string           `json:"job"`
	Trigger   string           `json:"trigger"`
	Host      string           `json:"host"`
	StartedAt time.Time        `json:"started_at"`
	EndedAt   *time.Time       `json:"ended_at"`
	Outcome   string           `json:"outcome"`
	Counts    map[string]int64 `json:"counts"`
	Message   string           `json:"message"`
}

func toRunJSON(r model.JobRun) runJSON {
	return runJSON{ID: r.ID, Job: r.Job, Trigger: r.Trigger, Host: r.Host, StartedAt: r.StartedAt, EndedAt: r.EndedAt,
		Outcome: r.Outcome, Counts: r.DecodeCounts(), Message: r.Message}
}

// jobJSON is the stable shape of `jobs --format json`.
type jobJSON struct {
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Schedule    string     `json:"schedule"`
	ScheduleKey string     `json:"schedule_key"`
	NextRun     *time.Time `json:"next_run"`
	LastRun     *runJSON   `json:"last_run"`
}

func jobsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "jobs",
		Short: "List server jobs with their schedule, last and next run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := openEnv(ctx, g, "cli")
			if err != nil {
				return err
			}
			defer e.Close()
			r := e.newRunner()
			if running, _ := datadir.HostRunning(e.dataDir); !running {
				if err := r.RecoverInterrupted(ctx); err != nil {
					return err
				}
			}
			v, err := e.settings.Load(ctx)
			if err != nil {
				return err
			}
			last, err := e.store.LastJobRuns(ctx)
			if err != nil {
				return err
			}
			out := []jobJSON{}
			t := &table{header: []string{"JOB", "SCHEDULE", "LAST RUN", "OUTCOME", "NEXT RUN"}}
			for _, j := range r.Jobs() {
				spec := jobs.ScheduleOf(j, v)
				jj := jobJSON{Name: j.Name, Title: j.Title, Description: j.Description, Schedule: spec.String(), ScheduleKey: j.ScheduleKey}
				lastText, outcome, nextText := "never", "", "manual only"
				var lastStart time.Time
				if lr, ok := last[j.Name]; ok {
					rj := toRunJSON(lr)
					jj.LastRun = &rj
					lastStart = lr.StartedAt
					lastText, outcome = lr.StartedAt.Local().Format(time.DateTime), lr.Outcome
				}
				if next, ok := spec.Next(time.Now(), lastStart); ok {
					jj.NextRun = &next
					nextText = next.Local().Format(time.DateTime)
				}
				out = append(out, jj)
				t.add(j.Name, spec.Describe(), lastText, outcome, nextText)
			}
			return emit(cmd.OutOrStdout(), g, out, t)
		},
	}
}

func jobCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "job", Short: "Run a server job now or show its history"}
	cmd.AddCommand(&cobra.Command{
		Use:   "run NAME",
		Short: "Run a job now, in this process, and record the run in the job history",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			run, jobErr := e.newRunner().Run(cmd.Context(), args[0], "cli")
			if run.ID == 0 {
				return jobErr // never started: unknown job, already running, database error
			}
			t := &table{header: []string{"JOB", "OUTCOME", "TOOK", "MESSAGE"}}
			took := time.Duration(0)
			if run.EndedAt != nil {
				took = run.EndedAt.Sub(run.StartedAt).Round(time.Millisecond)
			}
			t.add(run.Job, run.Outcome, took, run.Message)
			if err := emit(cmd.OutOrStdout(), g, toRunJSON(run), t); err != nil {
				return err
			}
			if jobErr != nil {
				return fmt.Errorf("job %s failed: %w", run.Job, jobErr)
			}
			return nil
		}),
	})
	var limit int
	history := &cobra.Command{
		Use:   "history [NAME]",
		Short: "List recent job runs, newest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				if _, err := e.newRunner().Lookup(args[0]); err != nil {
					return err
				}
				name = args[0]
			}
			runs, err := e.store.JobRuns(cmd.Context(), name, limit)
			if err != nil {
				return err
			}
			out := []runJSON{}
			t := &table{header: []string{"ID", "JOB", "STARTED", "TRIGGER", "OUTCOME", "MESSAGE"}}
			for _, r := range runs {
				out = append(out, toRunJSON(r))
				t.add(r.ID, r.Job, r.StartedAt.Local().Format(time.DateTime), r.Trigger, r.Outcome, r.Message)
			}
			return emit(cmd.OutOrStdout(), g, out, t)
		}),
	}
	history.Flags().IntVar(&limit, "limit", 50, "how many runs to list")
	cmd.AddCommand(history)
	return cmd
}
