package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// DownloadJobName is the download job's name (`patchdesk job run download-packages`).
const DownloadJobName = "download-packages"

// Downloader fetches queued packages into the package store. The zero values of its tuning
// fields mean the defaults below.
type Downloader struct {
	Store    *model.Store
	Settings settings.Source
	Log      *slog.Logger
	// Client fetches vendor URLs; nil uses one without an overall timeout (packages can be
	// gigabytes), relying on the transport's dial and header timeouts instead.
	Client *http.Client
	// Concurrency is how many packages download at once (default 4): enough to hide one slow
	// vendor, few enough not to flood a small office's line.
	Concurrency int
	// MaxTries bounds the attempts per package (default 5).
	MaxTries uint
	// BackOff makes the wait between attempts; nil is exponential from 1 s up to 1 min.
	BackOff func() backoff.BackOff
	// Now is the clock for the rows' times; nil is time.Now.
	Now func() time.Time
}

// DownloadSummary counts what a run did with the packages it took from the queue.
type DownloadSummary struct {
	Downloaded  int   `json:"downloaded"`
	FromStaging int   `json:"from_staging"` // of Downloaded
	Present     int   `json:"present"`      // already stored and sound: nothing fetched
	Failed      int   `json:"failed"`
	Quarantined int   `json:"quarantined"`
	Bytes       int64 `json:"bytes"` // fetched in this run, resumed parts excluded
	// Problems lists each failed or quarantined package's update and reason.
	Problems []string `json:"problems"`
}

// DownloadJob is the Download Software Update Package task: it fetches every queued package.
// Requests come from the Remediation Center, `patchdesk download` and the Distribute wizard
// (model.Store.RequestPackages); packages cut short by a crash are resumed.
func DownloadJob(d *Downloader) Job {
	return Job{
		Name:        DownloadJobName,
		Title:       "Download Software Update Packages",
		Description: "Downloads the queued software update packages to the To Location (from the staging location when it holds them), verifies their SHA-256 and quarantines mismatches.",
		// Requests start the job at once; the schedule only resumes downloads a stopped host left.
		// It shares the maintenance schedule until the job has a schedule setting of its own.
		ScheduleKey: settings.KeyDownloadSchedule,
		Run: func(ctx context.Context, run *Run) error {
			_, err := d.Run(ctx, run)
			return err
		},
	}
}

func (d *Downloader) defaults() {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Client == nil {
		d.Client = &http.Client{Transport: http.DefaultTransport}
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 4
	}
	if d.MaxTries == 0 {
		d.MaxTries = 5
	}
	if d.BackOff == nil {
		d.BackOff = func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval, b.MaxInterval = time.Second, time.Minute
			return b
		}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
}

// ErrPackagesFailed means some packages of a run could not be stored; the summary says which.
var ErrPackagesFailed = errors.New("some packages could not be downloaded")

// Run downloads the queue until it is empty, so that requests made while it runs are carried
// out too. run may be nil. The error is ErrPackagesFailed (wrapped) when a package failed or was
// quarantined; the summary is complete either way.
func (d *Downloader) Run(ctx context.Context, run *Run) (DownloadSummary, error) {
	d.defaults()
	if run == nil {
		run = &Run{Job: DownloadJobName, Start: time.Now(), counts: map[string]int64{}, notify: func() {}}
	}
	sum := DownloadSummary{Problems: []string{}}
	v, err := d.Settings.Load(ctx)
	if err != nil {
		return sum, err
	}
	dirs := storeDirs{root: v.Text(settings.KeyToLocation), staging: v.Text(settings.KeyStagingLocation)}
	meter := newMeter(time.Now)
	stop := meter.report(ctx, run, 250*time.Millisecond)
	defer stop()
	var mu sync.Mutex
	for {
		work, err := d.Store.ClaimPackages(ctx)
		if err != nil {
			return sum, err
		}
		if len(work) == 0 {
			break
		}
		meter.addPackages(len(work))
		sem := make(chan struct{}, d.Concurrency)
		var wg sync.WaitGroup
		for _, w := range work {
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				p, outcome := d.fetch(ctx, dirs, w, meter)
				if ctx.Err() != nil {
					// Left "downloading" with its .part file: the next run resumes it.
					return
				}
				if err := d.Store.SavePackage(context.WithoutCancel(ctx), p); err != nil {
					d.Log.Error("save package", "update", p.UpdateID, "err", err)
				}
				meter.packageDone()
				mu.Lock()
				defer mu.Unlock()
				sum.count(p, outcome)
				run.Add(outcome, 1)
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	sum.Bytes = meter.fetched()
	stop()
	run.Progress(meter.progress())
	run.Say("%s", sum.String())
	if sum.Failed+sum.Quarantined > 0 {
		return sum, fmt.Errorf("%w: %s", ErrPackagesFailed, strings.Join(sum.Problems, "; "))
	}
	return sum, nil
}

// Outcomes of one package, also the run's count names.
const (
	outcomeDownloaded  = "downloaded"
	outcomeStaged      = "from_staging"
	outcomePresent     = "present"
	outcomeFailed      = "failed"
	outcomeQuarantined = "quarantined"
)

func (s *DownloadSummary) count(p model.Package, outcome string) {
	switch outcome {
	case outcomeDownloaded:
		s.Downloaded++
	case outcomeStaged:
		s.Downloaded++
		s.FromStaging++
	case outcomePresent:
		s.Present++
	case outcomeFailed:
		s.Failed++
		s.Problems = append(s.Problems, p.UpdateID+": "+p.Error)
	case outcomeQuarantined:
		s.Quarantined++
		s.Problems = append(s.Problems, p.UpdateID+": "+p.Error)
	}
}

// String is the run's closing message.
func (s DownloadSummary) String() string {
	msg := fmt.Sprintf("%d package(s) downloaded (%d from the staging location, %s), %d already present, %d failed, %d quarantined",
		s.Downloaded, s.FromStaging, formatSize(s.Bytes), s.Present, s.Failed, s.Quarantined)
	return msg
}
