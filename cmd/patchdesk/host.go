package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"patchdesk/agentsvc"
	"patchdesk/agentsvc/adminweb"
	"patchdesk/jobs"
	"patchdesk/model/datadir"
	"patchdesk/model/settings"
)

// host is a running PatchDesk host (GUI or serve): the data dir's lock, the jobs and their
// scheduler. Exactly one runs per data dir.
type host struct {
	*env
	lock      *datadir.HostLock
	runner    *jobs.Runner
	scheduler *jobs.Scheduler
	listener  *agentsvc.Server
	// listenErr says why the agent listener is not running (the console still starts).
	listenErr error
	stop      context.CancelFunc
}

// hostOptions are a host's run-time choices.
type hostOptions struct {
	// listen replaces the listener.address setting for this run ("127.0.0.1:0" in tests).
	listen string
}

// settingsPoll is how soon a host notices settings changed by another process (the CLI).
const settingsPoll = 5 * time.Second

func startHost(ctx context.Context, g *globals, mode string, opts hostOptions) (*host, error) {
	dir, err := datadir.Resolve(g.data)
	if err != nil {
		return nil, err
	}
	if err := datadir.Prepare(dir); err != nil {
		return nil, err
	}
	lock, err := datadir.LockHost(dir, mode)
	if err != nil {
		return nil, err
	}
	e, err := openEnv(ctx, g, mode)
	if err != nil {
		lock.Release()
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	h := &host{env: e, lock: lock, runner: e.newRunner(), stop: stop}
	if err := h.runner.RecoverInterrupted(ctx); err != nil {
		h.Close()
		return nil, err
	}
	h.scheduler, err = jobs.NewScheduler(ctx, h.runner, nil, e.log)
	if err != nil {
		h.Close()
		return nil, err
	}
	v, err := e.settings.Load(ctx)
	if err != nil {
		h.Close()
		return nil, err
	}
	if err := h.scheduler.Apply(v); err != nil {
		h.Close()
		return nil, fmt.Errorf("schedule jobs: %w", err)
	}
	if err := h.startListener(ctx, opts); err != nil {
		if mode == "serve" { // a headless host without its listener serves nobody
			h.Close()
			return nil, err
		}
		h.listenErr = err
		e.log.Error("agent listener not running", "err", err)
	}
	h.scheduler.Start()
	go h.scheduler.Watch(ctx, e.settings, nil, settingsPoll)
	go h.catchUp(ctx, v)
	go (&jobs.Waker{Store: h.store, Log: h.log}).Run(ctx)
	e.log.Info("PatchDesk host started", "data", dir, "mode", mode, "version", appVersion())
	return h, nil
}

// startListener serves agents, and administrators' browser pages, on the listener address.
func (h *host) startListener(ctx context.Context, opts hostOptions) error {
	l, err := agentsvc.New(h.store, h.settings, h.dataDir, h.log, agentsvc.Options{
		Addr: opts.listen,
		Web:  adminweb.New(h.store, h.log),
	})
	if err != nil {
		return err
	}
	l.HandleAgent(jobs.PackagePath, jobs.PackageHandler(h.store, l.Authenticate, h.log))
	l.ServePolicies(agentsvc.NewPolicies(h.store, h.settings, h.log, 0))
	if err := l.Start(ctx); err != nil {
		return err
	}
	h.listener = l
	return nil
}

// Close stops the listener and the jobs, closes the database and releases the data dir.
func (h *host) Close() {
	if h.listener != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := h.listener.Shutdown(ctx); err != nil {
			h.log.Warn("stop agent listener", "err", err)
		}
		cancel()
	}
	h.stop()
	if h.scheduler != nil {
		if err := h.scheduler.Shutdown(); err != nil {
			h.log.Warn("stop job scheduler", "err", err)
		}
	}
	h.log.Info("PatchDesk host stopped")
	h.env.Close()
	h.lock.Release()
}

// catchUp runs, one after the other, what a starting host owes: the first catalog import, the
// targets (the scan target and policies need current members, and the interval job's first run
// is one interval away) and downloads a stopped host left pending.
func (h *host) catchUp(ctx context.Context, v settings.Values) {
	h.firstImport(ctx, v)
	if _, err := h.runner.Run(ctx, jobs.TargetsJobName, "startup"); err != nil && !errors.Is(err, jobs.ErrAlreadyRunning) {
		h.log.Error("update targets at start", "err", err)
	}
	h.resumeDownloads(ctx)
}

// firstImport imports the built-in catalog when the database has none, so a new administrator
// sees real bulletins at once instead of waiting for the nightly schedule.
func (h *host) firstImport(ctx context.Context, v settings.Values) {
	stats, err := h.store.CatalogCounts(ctx)
	if err != nil || stats.Bulletins > 0 || !v.Bool(settings.KeyImportUseDefault) {
		return
	}
	if _, err := h.runner.Run(ctx, jobs.ImportJobName, "startup"); err != nil && !errors.Is(err, jobs.ErrAlreadyRunning) {
		h.log.Error("first catalog import", "err", err)
	}
}

// resumeDownloads finishes downloads that a stopped or killed host left, at once rather than at
// the next scheduled run.
func (h *host) resumeDownloads(ctx context.Context) {
	if n, err := h.store.PendingPackages(ctx); err != nil || n == 0 {
		return
	}
	if _, err := h.runner.Run(ctx, jobs.DownloadJobName, "startup"); err != nil && !errors.Is(err, jobs.ErrAlreadyRunning) {
		h.log.Error("resume package downloads", "err", err)
	}
}
