package model

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestMigrationsBuildSchema(t *testing.T) {
	s, _ := openTemp(t)
	v, err := s.CurrentVersion(context.Background())
	if err != nil || v != SchemaVersion() {
		t.Fatalf("version = %d, %v; want %d", v, err, SchemaVersion())
	}
	for _, table := range []string{"settings", "severity_levels", "job_runs", "audit_entries"} {
		if !s.DB.Migrator().HasTable(table) {
			t.Errorf("migration 1 did not create table %s", table)
		}
	}
	// The frozen migration schema must match what the current entities expect.
	for _, m := range []any{&Setting{}, &SeverityLevel{}, &JobRun{}, &AuditEntry{}} {
		if err := s.DB.Create(m).Error; err != nil && !strings.Contains(err.Error(), "NOT NULL") {
			t.Errorf("insert %T into migrated schema: %v", m, err)
		}
	}
	var mode string
	s.DB.Raw("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	s.DB.Raw("PRAGMA foreign_keys").Scan(&fk)
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	s, dir := openTemp(t)
	if _, err := s.AddSeverityLevel(context.Background(), "t", "Install right away!"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	levels, _ := s2.SeverityLevels(context.Background())
	if len(levels) != 1 || levels[0].Name != "Install right away!" {
		t.Fatalf("levels after reopen = %+v", levels)
	}
}

func TestNewerSchemaIsRefusedUntouched(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.DB.Create(&schemaMigration{Version: SchemaVersion() + 5, Name: "from the future"}).Error; err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(filepath.Join(dir, DBFile))
	_, err := Open(context.Background(), dir, quiet)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: err = %v, want ErrSchemaTooNew", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, DBFile))
	if string(before) != string(after) {
		t.Fatal("refusing a newer database changed the file")
	}
}

func TestCorruptDatabaseIsReportedNotReplaced(t *testing.T) {
	dir := t.TempDir()
	junk := []byte(strings.Repeat("this is not a database ", 400))
	path := filepath.Join(dir, DBFile)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), dir, quiet)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of a corrupt file: err = %v, want ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(junk) {
		t.Fatal("the corrupt file was modified")
	}
}

func TestMigrationBacksUpExistingDatabase(t *testing.T) {
	s, dir := openTemp(t)
	ctx := context.Background()
	if _, err := s.AddSeverityLevel(ctx, "t", "Kept"); err != nil {
		t.Fatal(err)
	}
	if err := s.backup(ctx, 1); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, DBFile+".v1-*.bak"))
	if len(matches) != 1 {
		t.Fatalf("backups = %v, want one", matches)
	}
	// The backup is a complete database: open it as a data dir of its own.
	restored := t.TempDir()
	data, _ := os.ReadFile(matches[0])
	os.WriteFile(filepath.Join(restored, DBFile), data, 0o600)
	b, err := Open(ctx, restored, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if levels, _ := b.SeverityLevels(ctx); len(levels) != 1 || levels[0].Name != "Kept" {
		t.Fatalf("backup holds %+v", levels)
	}
}

func TestSeverityLevels(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, n := range []string{"Now", "Soon", "Later"} {
		if _, err := s.AddSeverityLevel(ctx, "t", n); err != nil {
			t.Fatal(err)
		}
	}
	names := func() string {
		levels, _ := s.SeverityLevels(ctx)
		var out []string
		for _, l := range levels {
			out = append(out, l.Name)
		}
		return strings.Join(out, ",")
	}
	later, _ := s.FindSeverityLevel(ctx, "later")
	if err := s.MoveSeverityLevel(ctx, "t", later.ID, -1); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "Now,Later,Soon" {
		t.Fatalf("after move up: %s", got)
	}
	if err := s.RenameSeverityLevel(ctx, "t", later.ID, "Next week"); err != nil {
		t.Fatal(err)
	}
	now, _ := s.FindSeverityLevel(ctx, "Now")
	if err := s.RemoveSeverityLevel(ctx, "t", now.ID); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "Next week,Soon" {
		t.Fatalf("after rename and remove: %s", got)
	}
	for _, bad := range []string{"", "critical", "Soon"} {
		if _, err := s.AddSeverityLevel(ctx, "t", bad); err == nil {
			t.Errorf("AddSeverityLevel(%q) succeeded, want an error", bad)
		}
	}
	trail, _ := s.AuditTrail(ctx, "severity:", 10)
	if len(trail) != 6 {
		t.Errorf("audit trail has %d entries, want 6 (3 adds, move, rename, remove)", len(trail))
	}
}

var quiet = slog.New(slog.DiscardHandler)

func TestDataDirWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Patch #1? 100% done")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil {
		t.Fatalf("the database is not in the data dir: %v", err)
	}
}
