package model

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RequestResult says what a download request queued.
type RequestResult struct {
	Queued  int `json:"queued"`  // packages the next download-packages run fetches
	Present int `json:"present"` // already stored and verified, left as they are
}

// RequestPackages queues the packages of every update of the bulletins for the download-packages
// job. Packages already stored stay unless recreate is set, which fetches them again (Recreate
// Packages); failed and quarantined ones are tried again. Each bulletin's request is audited.
func (s *Store) RequestPackages(ctx context.Context, actor string, bulletins []string, recreate bool) (RequestResult, error) {
	var res RequestResult
	bulletins = uniqueIDs(bulletins)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := bulletinsExist(tx, bulletins); err != nil {
			return err
		}
		var ups []Update
		if err := tx.Select("id", "bulletin_id").Where("bulletin_id IN ?", bulletins).Order("id").Find(&ups).Error; err != nil {
			return err
		}
		ids := make([]string, len(ups))
		for i, u := range ups {
			ids[i] = u.ID
		}
		var have []Package
		if err := tx.Where("update_id IN ?", ids).Find(&have).Error; err != nil {
			return err
		}
		byID := make(map[string]Package, len(have))
		for _, p := range have {
			byID[p.UpdateID] = p
		}
		now := time.Now().UTC()
		for _, u := range ups {
			p, ok := byID[u.ID]
			switch {
			case !ok:
				p = Package{UpdateID: u.ID, BulletinID: u.BulletinID, State: PackageWanted, RequestedAt: now, RequestedBy: actor}
				if err := tx.Create(&p).Error; err != nil {
					return err
				}
				res.Queued++
				continue
			case p.State == PackageDownloaded && !recreate:
				res.Present++
				continue
			case p.State == PackageWanted || p.State == PackageDownloading:
				if recreate && !p.Force {
					if err := tx.Model(&Package{}).Where("update_id = ?", u.ID).Update("force", true).Error; err != nil {
						return err
					}
				}
				res.Queued++
				continue
			}
			err := tx.Model(&Package{}).Where("update_id = ?", u.ID).Updates(map[string]any{
				"state": PackageWanted, "force": recreate, "attempts": 0, "error": "",
				"requested_at": now, "requested_by": actor, "bulletin_id": u.BulletinID,
			}).Error
			if err != nil {
				return err
			}
			res.Queued++
		}
		action := "download"
		if recreate {
			action = "recreate-packages"
		}
		for _, b := range bulletins {
			if err := AuditTx(tx, actor, action, "bulletin:"+b, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("request packages: %w", err)
	}
	return res, nil
}

// PackageWork is a queued package with what the catalog says about its update. Update is nil
// when the catalog no longer has it.
type PackageWork struct {
	Package
	Update *Update
}

// ClaimPackages marks every queued package as downloading and returns them. Packages left
// "downloading" by a process that died are claimed again, which resumes them; the caller holds
// the download-packages job lock, so no live process owns them.
func (s *Store) ClaimPackages(ctx context.Context) ([]PackageWork, error) {
	var out []PackageWork
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ps []Package
		if err := tx.Where("state IN ?", []string{PackageWanted, PackageDownloading}).Order("requested_at, update_id").Find(&ps).Error; err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.UpdateID
		}
		var ups []Update
		if err := tx.Where("id IN ?", ids).Find(&ups).Error; err != nil {
			return err
		}
		byID := make(map[string]*Update, len(ups))
		for i := range ups {
			byID[ups[i].ID] = &ups[i]
		}
		if err := tx.Model(&Package{}).Where("update_id IN ?", ids).Update("state", PackageDownloading).Error; err != nil {
			return err
		}
		for _, p := range ps {
			p.State = PackageDownloading
			out = append(out, PackageWork{Package: p, Update: byID[p.UpdateID]})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim queued packages: %w", err)
	}
	return out, nil
}

// SavePackage writes a package's row as the downloader or the integrity job left it.
func (s *Store) SavePackage(ctx context.Context, p Package) error {
	if err := s.DB.WithContext(ctx).Save(&p).Error; err != nil {
		return fmt.Errorf("save package of %s: %w", p.UpdateID, err)
	}
	return nil
}

// DeletePackage removes a package's row (the purge job deletes the file first).
func (s *Store) DeletePackage(ctx context.Context, updateID string) error {
	if err := s.DB.WithContext(ctx).Delete(&Package{}, "update_id = ?", updateID).Error; err != nil {
		return fmt.Errorf("delete package of %s: %w", updateID, err)
	}
	return nil
}

// Packages lists the packages of the given bulletins, or every package when none is given.
func (s *Store) Packages(ctx context.Context, bulletins ...string) ([]Package, error) {
	q := s.DB.WithContext(ctx).Order("bulletin_id, update_id")
	if len(bulletins) > 0 {
		q = q.Where("bulletin_id IN ?", bulletins)
	}
	var ps []Package
	if err := q.Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	return ps, nil
}

// ServablePackage finds the stored, verified package with this SHA-256 (what agents ask for);
// ErrNotFound when there is none, including a package that is queued, failed or quarantined.
func (s *Store) ServablePackage(ctx context.Context, sha256 string) (Package, error) {
	var p Package
	err := s.DB.WithContext(ctx).Where("sha256 = ? AND state = ?", sha256, PackageDownloaded).Order("update_id").First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, fmt.Errorf("package %s: %w", sha256, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("find package %s: %w", sha256, err)
	}
	return p, nil
}

// PackageUse says which packages policies hold and which they have not held for a while.
type PackageUse struct {
	Touched int64     // packages a policy holds, marked used now
	Unused  []Package // stored packages no policy has held since the cutoff
}

// TouchAndFindUnused marks the packages of updates some policy holds (enabled in it) as used
// now, then returns the packages no policy has used since cutoff. A package never used counts
// from its download (or its request, if it never arrived).
func (s *Store) TouchAndFindUnused(ctx context.Context, now, cutoff time.Time) (PackageUse, error) {
	var use PackageUse
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := tx.Exec(`UPDATE packages SET last_used_at = ? WHERE update_id IN (SELECT update_id FROM policy_updates WHERE enabled)`, now.UTC())
		if r.Error != nil {
			return r.Error
		}
		use.Touched = r.RowsAffected
		return tx.Where("state NOT IN ? AND COALESCE(last_used_at, downloaded_at, requested_at) < ?",
			[]string{PackageWanted, PackageDownloading}, cutoff.UTC()).Order("update_id").Find(&use.Unused).Error
	})
	if err != nil {
		return use, fmt.Errorf("find unused packages: %w", err)
	}
	return use, nil
}

// RequeuePackages queues packages for download again (the integrity job's repair), fetching
// them even when a file is in place.
func (s *Store) RequeuePackages(ctx context.Context, updateIDs []string) error {
	err := s.DB.WithContext(ctx).Model(&Package{}).Where("update_id IN ?", updateIDs).Updates(map[string]any{
		"state": PackageWanted, "force": true, "attempts": 0, "error": "",
	}).Error
	if err != nil {
		return fmt.Errorf("queue packages again: %w", err)
	}
	return nil
}

// PendingPackages counts packages waiting for the download job (queued, or left mid-download by
// a process that stopped).
func (s *Store) PendingPackages(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Package{}).Where("state IN ?", []string{PackageWanted, PackageDownloading}).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending packages: %w", err)
	}
	return n, nil
}
