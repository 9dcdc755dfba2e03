package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"gopkg.in/natefinch/lumberjack.v2"

	"patchdesk/assets"
	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/datadir"
	"patchdesk/model/settings"
)

// env is an opened data dir: what every command works on.
type env struct {
	dataDir  string
	store    *model.Store
	settings settings.Source
	log      *slog.Logger
	logFile  io.Closer
	front    string // gui, serve or cli: recorded as the actor's front end and the job host
}

// openEnv resolves and opens the data dir. front is "cli", "gui" or "serve".
func openEnv(ctx context.Context, g *globals, front string) (*env, error) {
	dir, err := datadir.Resolve(g.data)
	if err != nil {
		return nil, err
	}
	if err := datadir.Prepare(dir); err != nil {
		return nil, err
	}
	log, closer, err := newLogger(dir, front)
	if err != nil {
		return nil, err
	}
	store, err := model.Open(ctx, dir, log)
	if err != nil {
		closer.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	return &env{
		dataDir:  dir,
		store:    store,
		settings: settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: host}},
		log:      log,
		logFile:  closer,
		front:    front,
	}, nil
}

func (e *env) Close() {
	e.store.Close()
	e.logFile.Close()
}

func (e *env) actor() string { return model.Actor(e.front) }

// newRunner makes a job runner with every job PatchDesk has; overrides replace jobs of the same
// name (a command's one-off variant of a job, still recorded under the job's name).
func (e *env) newRunner(overrides ...jobs.Job) *jobs.Runner {
	r := jobs.NewRunner(e.store, e.dataDir, e.front, e.log)
	d := e.downloader()
	all := []jobs.Job{
		jobs.ImportJob(e.store, e.settings, assets.Catalog(), e.log),
		jobs.DownloadJob(d),
		jobs.IntegrityJob(r, d),
		jobs.PurgeJob(e.store, e.settings, e.log, nil),
		jobs.TargetsJob(e.store),
		jobs.ComplianceJob(e.store),
		jobs.SnapshotJob(e.store, nil),
		jobs.MaintenanceJob(e.store, e.settings),
	}
	for _, j := range all {
		for _, o := range overrides {
			if o.Name == j.Name {
				j = o
			}
		}
		r.Register(j)
	}
	return r
}

func (e *env) downloader() *jobs.Downloader {
	return &jobs.Downloader{Store: e.store, Settings: e.settings, Log: e.log}
}

// newLogger logs to stderr and to a rotating file in the data dir. Commands print only warnings
// on stderr so their output stays clean; hosts print what they do.
func newLogger(dir, front string) (*slog.Logger, io.Closer, error) {
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create log dir: %w", err)
	}
	file := &lumberjack.Logger{
		Filename:   filepath.Join(logDir, "patchdesk.log"),
		MaxSize:    10, // megabytes
		MaxBackups: 5,
		MaxAge:     90, // days
		Compress:   true,
	}
	stderrLevel := slog.LevelInfo
	if front == "cli" {
		stderrLevel = slog.LevelWarn
	}
	h := slog.NewMultiHandler(
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: stderrLevel}),
		slog.NewJSONHandler(file, &slog.HandlerOptions{Level: slog.LevelInfo}),
	)
	return slog.New(h).With("proc", front), file, nil
}

// withEnv is a command body run with the data dir opened for it (as the CLI) and closed after.
func withEnv(g *globals, fn func(e *env, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e, err := openEnv(cmd.Context(), g, "cli")
		if err != nil {
			return err
		}
		defer e.Close()
		return fn(e, cmd, args)
	}
}
