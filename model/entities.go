package model

import "time"

// Setting is one stored setting value in canonical text form; package settings owns the
// keys, types, defaults and validation.
type Setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string `gorm:"not null"`
	UpdatedAt time.Time
	UpdatedBy string
}

// SeverityLevel is an administrator's own severity (Core Services > Custom Severity), kept in
// the administrator's order. Vendor severities are not stored here and cannot be changed.
type SeverityLevel struct {
	ID       uint   `gorm:"primaryKey"`
	Name     string `gorm:"not null;uniqueIndex"`
	Position int    `gorm:"not null"`
}

// JobRun is one run of a server job, from start to outcome.
type JobRun struct {
	ID        uint      `gorm:"primaryKey"`
	Job       string    `gorm:"not null;index:idx_job_runs_job_started,priority:1"`
	Trigger   string    `gorm:"not null"` // schedule, manual, cli, startup
	StartedAt time.Time `gorm:"not null;index:idx_job_runs_job_started,priority:2"`
	EndedAt   *time.Time
	Outcome   string `gorm:"not null"`              // running, succeeded, failed, cancelled, interrupted
	Counts    string `gorm:"not null;default:'{}'"` // JSON object of named counts
	Message   string `gorm:"not null;default:''"`
	Host      string `gorm:"not null;default:''"` // process that ran it: "gui", "serve" or "cli"
}

// Job run outcomes.
const (
	OutcomeRunning     = "running"
	OutcomeSucceeded   = "succeeded"
	OutcomeFailed      = "failed"
	OutcomeCancelled   = "cancelled"
	OutcomeInterrupted = "interrupted" // the process ended mid-run (crash, kill -9, power loss)
)

// AuditEntry records who changed what, for settings and (later) bulletins and policies.
type AuditEntry struct {
	ID     uint      `gorm:"primaryKey"`
	At     time.Time `gorm:"not null;index"`
	Actor  string    `gorm:"not null"`
	Action string    `gorm:"not null"`
	Object string    `gorm:"not null;index"`
	Detail string    `gorm:"not null;default:''"`
}
