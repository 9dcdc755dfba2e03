package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// IntegrityJobName is the Check Software Update Package Integrity task's job name.
const IntegrityJobName = "check-package-integrity"

// IntegrityJob checks every stored package against its SHA-256, queues bad and missing ones for
// download again, and moves the store to the To Location when that setting changed (copy,
// verify, then remove the old file), as the guide's Check Software Update Package Integrity task
// does. Re-downloads run as a download-packages run of their own, through r, so that the two jobs
// never fetch the same package at once.
func IntegrityJob(r *Runner, d *Downloader) Job {
	return Job{
		Name:        IntegrityJobName,
		Title:       "Check Software Update Package Integrity",
		Description: "Verifies every stored package's SHA-256, downloads bad or missing ones again and relocates packages when the To Location changed.",
		ScheduleKey: settings.KeyIntegritySchedule,
		Run: func(ctx context.Context, run *Run) error {
			res, err := CheckIntegrity(ctx, d, run)
			if err != nil {
				return err
			}
			if res.Requeued == 0 {
				return nil
			}
			run.Say("%s; downloading %d package(s) again", res, res.Requeued)
			if _, err := r.Run(ctx, DownloadJobName, "integrity"); err != nil && !errors.Is(err, ErrAlreadyRunning) && !errors.Is(err, ErrPackagesFailed) {
				return fmt.Errorf("download packages again: %w", err)
			}
			// A download run going elsewhere picks the queued packages up; packages that fail
			// again are reported by the download run itself.
			run.Say("%s; %d package(s) downloaded again (see the download-packages run)", res, res.Requeued)
			return nil
		},
	}
}

// IntegrityResult counts what a check found.
type IntegrityResult struct {
	Verified  int `json:"verified"`
	Relocated int `json:"relocated"`
	Missing   int `json:"missing"`
	Corrupt   int `json:"corrupt"`
	Requeued  int `json:"requeued"` // missing, corrupt, failed or quarantined: queued for download
}

func (r IntegrityResult) String() string {
	return fmt.Sprintf("%d package(s) verified, %d relocated, %d missing, %d corrupt", r.Verified, r.Relocated, r.Missing, r.Corrupt)
}

// CheckIntegrity verifies and relocates the store and queues what needs downloading; it does not
// download. run may be nil.
func CheckIntegrity(ctx context.Context, d *Downloader, run *Run) (IntegrityResult, error) {
	d.defaults()
	if run == nil {
		run = &Run{Job: IntegrityJobName, Start: time.Now(), counts: map[string]int64{}, notify: func() {}}
	}
	var res IntegrityResult
	v, err := d.Settings.Load(ctx)
	if err != nil {
		return res, err
	}
	root := v.Text(settings.KeyToLocation)
	ps, err := d.Store.Packages(ctx)
	if err != nil {
		return res, err
	}
	var requeue []string
	for i, p := range ps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		run.Progress(int64(i), int64(len(ps)))
		switch p.State {
		case model.PackageWanted, model.PackageDownloading:
			continue
		case model.PackageFailed, model.PackageQuarantined:
			requeue = append(requeue, p.UpdateID)
			continue
		}
		run.Say("checking %s", p.UpdateID)
		sum, size, err := hashPackageFile(p.FilePath())
		switch {
		case errors.Is(err, os.ErrNotExist):
			res.Missing++
			requeue = append(requeue, p.UpdateID)
			continue
		case err != nil:
			return res, fmt.Errorf("check package %s: %w", p.FilePath(), err)
		case sum != p.SHA256 || size != p.Size:
			res.Corrupt++
			if q, err := quarantineStored(p, d.Now()); err != nil {
				d.Log.Error("quarantine corrupt package", "update", p.UpdateID, "err", err)
			} else {
				d.Log.Error("stored package is corrupt; quarantined", "update", p.UpdateID, "sha256", sum, "want", p.SHA256, "file", q)
			}
			requeue = append(requeue, p.UpdateID)
			continue
		}
		now := d.Now().UTC()
		p.VerifiedAt = &now
		if p.Root != root {
			moved, err := relocate(ctx, p, root)
			if err != nil {
				return res, fmt.Errorf("relocate package %s to %s: %w", p.UpdateID, root, err)
			}
			p = moved
			res.Relocated++
		}
		if err := d.Store.SavePackage(ctx, p); err != nil {
			return res, err
		}
		res.Verified++
	}
	if len(requeue) > 0 {
		if err := d.Store.RequeuePackages(ctx, requeue); err != nil {
			return res, err
		}
	}
	res.Requeued = len(requeue)
	for name, n := range map[string]int{"verified": res.Verified, "relocated": res.Relocated, "missing": res.Missing, "corrupt": res.Corrupt, "requeued": res.Requeued} {
		run.Add(name, int64(n))
	}
	run.Progress(int64(len(ps)), int64(len(ps)))
	run.Say("%s", res)
	return res, nil
}

// relocate copies a verified package to the new root, verifies the copy, points the row at it
// and only then removes the old file, so a crash at any point leaves one sound copy.
func relocate(ctx context.Context, p model.Package, root string) (model.Package, error) {
	moved := p
	moved.Root = root
	dst := moved.FilePath()
	sum, _, err := copyToPart(ctx, p.FilePath(), dst+".part", newMeter(time.Now))
	if err != nil {
		return p, err
	}
	if sum != p.SHA256 {
		os.Remove(dst + ".part")
		return p, fmt.Errorf("the copy has SHA-256 %s, want %s", sum, p.SHA256)
	}
	if err := commit(dst); err != nil {
		return p, err
	}
	old := p.FilePath()
	if err := os.Remove(old); err != nil {
		return moved, nil // the new copy is sound; a stale old file only wastes space
	}
	removeEmptyDirs(filepath.Dir(old), p.Root)
	return moved, nil
}

// removeEmptyDirs removes dir and its empty parents up to, not including, stop.
func removeEmptyDirs(dir, stop string) {
	stop = filepath.Clean(stop)
	for dir = filepath.Clean(dir); dir != stop && len(dir) > len(stop); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}
