package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"gorm.io/gorm"
)

// migration moves the schema one version up. Each one declares the tables as they were at
// its version (not the current entities), so that replaying history always builds the same
// schema.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// migrations holds every schema step in version order. Each feature registers its own steps
// from its own file (migrate_*.go); a released step is never edited, only followed by new ones.
var migrations []migration

func register(m migration) {
	i, _ := slices.BinarySearchFunc(migrations, m.version, func(a migration, v int) int { return a.version - v })
	migrations = slices.Insert(migrations, i, m)
}

func init() {
	register(migration{1, "settings, custom severity levels, job runs, audit trail", m001Foundation})
}

// checkMigrations refuses a binary whose steps have a gap or a duplicate, which would let a
// database skip a step for good.
func checkMigrations() error {
	for i, m := range migrations {
		if m.version != i+1 {
			return fmt.Errorf("schema migrations are not numbered 1..%d without gaps (found %d at position %d)", len(migrations), m.version, i+1)
		}
	}
	return nil
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// ErrSchemaTooNew means a newer PatchDesk wrote the database.
var ErrSchemaTooNew = errors.New("database schema is newer than this PatchDesk")

type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// CurrentVersion reads the database's schema version (0 for a new database).
func (s *Store) CurrentVersion(ctx context.Context) (int, error) {
	db := s.DB.WithContext(ctx)
	if !db.Migrator().HasTable(&schemaMigration{}) {
		return 0, nil
	}
	var v int
	if err := db.Model(&schemaMigration{}).Select("COALESCE(MAX(version), 0)").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func (s *Store) migrate(ctx context.Context) error {
	if err := checkMigrations(); err != nil {
		return err
	}
	db := s.DB.WithContext(ctx)
	if err := db.Migrator().AutoMigrate(&schemaMigration{}); err != nil {
		return fmt.Errorf("prepare schema_migrations: %w", err)
	}
	current, err := s.CurrentVersion(ctx)
	if err != nil {
		return err
	}
	latest := SchemaVersion()
	if current > latest {
		return fmt.Errorf("%w: %s has schema version %d, this binary knows up to %d; run a newer PatchDesk (nothing was changed)",
			ErrSchemaTooNew, s.Path, current, latest)
	}
	if current == latest {
		return nil
	}
	if current > 0 {
		if err := s.backup(ctx, current); err != nil {
			return err
		}
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("migrate database to version %d (%s): %w", m.version, m.name, err)
		}
		s.log.Info("database migrated", "version", m.version, "name", m.name)
	}
	return nil
}

// backup copies the database before a migration touches it, so an upgrade can be undone.
func (s *Store) backup(ctx context.Context, version int) error {
	path := fmt.Sprintf("%s.v%d-%s.bak", s.Path, version, time.Now().UTC().Format("20060102-150405"))
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := s.DB.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("back up database before migrating from version %d: %w", version, err)
	}
	s.log.Info("database backed up before migration", "path", path)
	return nil
}

func m001Foundation(tx *gorm.DB) error {
	type setting struct {
		Key       string `gorm:"primaryKey"`
		Value     string `gorm:"not null"`
		UpdatedAt time.Time
		UpdatedBy string
	}
	type severityLevel struct {
		ID       uint   `gorm:"primaryKey"`
		Name     string `gorm:"not null;uniqueIndex:idx_severity_levels_name"`
		Position int    `gorm:"not null"`
	}
	type jobRun struct {
		ID        uint      `gorm:"primaryKey"`
		Job       string    `gorm:"not null;index:idx_job_runs_job_started,priority:1"`
		Trigger   string    `gorm:"not null"`
		StartedAt time.Time `gorm:"not null;index:idx_job_runs_job_started,priority:2"`
		EndedAt   *time.Time
		Outcome   string `gorm:"not null"`
		Counts    string `gorm:"not null;default:'{}'"`
		Message   string `gorm:"not null;default:''"`
		Host      string `gorm:"not null;default:''"`
	}
	type auditEntry struct {
		ID     uint      `gorm:"primaryKey"`
		At     time.Time `gorm:"not null;index:idx_audit_entries_at"`
		Actor  string    `gorm:"not null"`
		Action string    `gorm:"not null"`
		Object string    `gorm:"not null;index:idx_audit_entries_object"`
		Detail string    `gorm:"not null;default:''"`
	}
	for _, t := range []struct {
		name  string
		model any
	}{{"settings", &setting{}}, {"severity_levels", &severityLevel{}}, {"job_runs", &jobRun{}}, {"audit_entries", &auditEntry{}}} {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}
