package model

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DBFile is the SQLite database's name inside the data dir.
const DBFile = "patchdesk.db"

// ErrCorrupt means the database file exists but SQLite cannot read it.
var ErrCorrupt = errors.New("database file is damaged")

// Store is the PatchDesk database.
type Store struct {
	DB   *gorm.DB
	Path string
	log  *slog.Logger
}

// Open opens (creating when missing) the database in dir and brings its schema up to date.
// A database written by a newer PatchDesk is refused untouched.
func Open(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	path := filepath.Join(dir, DBFile)
	db, err := gorm.Open(sqlite.Open(dsn(path)), &gorm.Config{
		Logger: logger.New(slogWriter{log}, logger.Config{
			SlowThreshold:             2 * time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
		}),
		NowFunc: func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, classifyOpenError(path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Writers queue on SQLite's lock anyway; a few connections let readers run beside one writer.
	sqlDB.SetMaxOpenConns(8)
	s := &Store{DB: db, Path: path, log: log}
	if err := s.checkReadable(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// dsn sets the pragmas through the driver's DSN keys, so that every pooled connection gets them.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// The path is percent-encoded: SQLite decodes it, and a '#' or '?' in a folder name would
	// otherwise end the path early and open another file.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func (s *Store) checkReadable(ctx context.Context) error {
	var n int
	if err := s.DB.WithContext(ctx).Raw("SELECT count(*) FROM sqlite_master").Scan(&n).Error; err != nil {
		return classifyOpenError(s.Path, err)
	}
	return nil
}

func classifyOpenError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "corrupt") {
		return fmt.Errorf("%w: %s (%v); PatchDesk changed nothing: restore a backup or move the file away to start afresh", ErrCorrupt, path, err)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IntegrityCheck runs SQLite's integrity check and returns its findings ("ok" when sound).
func (s *Store) IntegrityCheck(ctx context.Context) ([]string, error) {
	var rows []string
	if err := s.DB.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	return rows, nil
}

// Size returns the database's size on disk including its WAL.
func (s *Store) Size() int64 {
	var total int64
	for _, p := range []string{s.Path, s.Path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	return total
}

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Printf(format string, args ...any) {
	w.log.Warn("database", "msg", strings.TrimSpace(fmt.Sprintf(format, args...)))
}
