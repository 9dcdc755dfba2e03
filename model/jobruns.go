package model

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// StartJobRun records that a job has started.
func (s *Store) StartJobRun(ctx context.Context, job, trigger, host string) (JobRun, error) {
	run := JobRun{Job: job, Trigger: trigger, StartedAt: time.Now().UTC(), Outcome: OutcomeRunning, Counts: "{}", Host: host}
	if err := s.DB.WithContext(ctx).Create(&run).Error; err != nil {
		return run, fmt.Errorf("record start of job %s: %w", job, err)
	}
	return run, nil
}

// FinishJobRun records a job's outcome. It runs on its own context so that a cancelled job
// still gets its outcome written.
func (s *Store) FinishJobRun(run *JobRun, outcome, message string, counts map[string]int64) error {
	now := time.Now().UTC()
	b, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("encode counts: %w", err)
	}
	if counts == nil {
		b = []byte("{}")
	}
	run.EndedAt, run.Outcome, run.Message, run.Counts = &now, outcome, message, string(b)
	err = s.DB.Model(run).Select("ended_at", "outcome", "message", "counts").Updates(run).Error
	if err != nil {
		return fmt.Errorf("record outcome of job %s: %w", run.Job, err)
	}
	return nil
}

// JobRuns lists a job's newest runs (all jobs when job is empty).
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error) {
	q := s.DB.WithContext(ctx).Order("started_at DESC, id DESC").Limit(limit)
	if job != "" {
		q = q.Where("job = ?", job)
	}
	var runs []JobRun
	if err := q.Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("list job runs: %w", err)
	}
	return runs, nil
}

// LastJobRuns returns each job's newest run, by job name.
func (s *Store) LastJobRuns(ctx context.Context) (map[string]JobRun, error) {
	var runs []JobRun
	err := s.DB.WithContext(ctx).Where("id IN (SELECT MAX(id) FROM job_runs GROUP BY job)").Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("list last job runs: %w", err)
	}
	out := make(map[string]JobRun, len(runs))
	for _, r := range runs {
		out[r.Job] = r
	}
	return out, nil
}

// RunningJobRuns lists runs without an outcome.
func (s *Store) RunningJobRuns(ctx context.Context) ([]JobRun, error) {
	var runs []JobRun
	if err := s.DB.WithContext(ctx).Where("outcome = ?", OutcomeRunning).Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("list running jobs: %w", err)
	}
	return runs, nil
}

// PruneJobRuns deletes finished runs that started before cutoff.
func (s *Store) PruneJobRuns(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.DB.WithContext(ctx).Where("started_at < ? AND outcome <> ?", cutoff, OutcomeRunning).Delete(&JobRun{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune job history: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// DecodeCounts reads a run's counts.
func (r JobRun) DecodeCounts() map[string]int64 {
	m := map[string]int64{}
	_ = json.Unmarshal([]byte(r.Counts), &m)
	return m
}
