package model

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The package store: one verified file per update, downloaded by the download-packages job to
// the To Location and served to agents. A Package row is the store's index entry and the
// download queue at once, so a request made by the CLI is carried out by whichever process runs
// the job, and a download cut short (kill -9) is found and resumed by the next run.

// Package is one update's file in the package store.
type Package struct {
	UpdateID   string `gorm:"primaryKey" json:"update"`
	BulletinID string `gorm:"not null" json:"bulletin"`
	State      string `gorm:"not null" json:"state"` // one of the Package* states
	// Root is the To Location the file was stored under; RelPath is its path below Root (and
	// below the staging location), slash-separated.
	Root     string `gorm:"not null;default:''" json:"root"`
	RelPath  string `gorm:"not null;default:''" json:"path"`
	FileName string `gorm:"not null;default:''" json:"file_name"`
	// SHA256 is the verified hash of the stored file: the catalog's, or for a file an
	// administrator placed in the staging location for an update the catalog gives no hash for
	// (MSRC), the staged file's own, pinned when it was taken.
	SHA256       string     `gorm:"column:sha256;not null;default:''" json:"sha256"`
	Size         int64      `gorm:"not null;default:0" json:"size"`
	Source       string     `gorm:"not null;default:''" json:"source"` // SourceVendor or SourceStaging
	Error        string     `gorm:"not null;default:''" json:"error"`
	Attempts     int        `gorm:"not null;default:0" json:"attempts"`
	Force        bool       `gorm:"not null;default:false" json:"-"` // Recreate: fetch again even when the stored file is sound
	RequestedAt  time.Time  `gorm:"not null" json:"requested_at"`
	RequestedBy  string     `gorm:"not null;default:''" json:"requested_by"`
	DownloadedAt *time.Time `json:"downloaded_at"`
	VerifiedAt   *time.Time `json:"verified_at"`
	LastUsedAt   *time.Time `json:"last_used_at"` // last time a policy held the update (purge-packages)
}

func (Package) TableName() string { return "packages" }

// Package states.
const (
	PackageWanted      = "wanted"      // queued for the download-packages job
	PackageDownloading = "downloading" // a run is fetching it (or was, when its process died)
	PackageDownloaded  = "downloaded"  // stored and verified: the only state that is served
	PackageFailed      = "failed"      // could not be fetched; Error says why
	PackageQuarantined = "quarantined" // the file's SHA-256 was wrong; moved aside, never served
)

// Package sources.
const (
	SourceVendor  = "vendor"
	SourceStaging = "staging"
)

// FilePath is where the package's file is on disk.
func (p Package) FilePath() string {
	return filepath.Join(p.Root, filepath.FromSlash(p.RelPath))
}

// ErrBadUpdateID means an update id cannot be turned into a safe path in the package store.
var ErrBadUpdateID = errors.New("update id cannot name a package folder")

// PackageDir is the folder, relative to the To Location and to the staging location, that holds
// an update's file: the update id's "/"-separated parts ("KB5034127/11570",
// "Google.Chrome 138.0.7204.101/x64-machine-neutral-wix"), so that an administrator can lay out
// a staging folder by hand. Characters Windows refuses in names become "_".
func PackageDir(updateID string) (string, error) {
	parts := strings.Split(updateID, "/")
	for i, p := range parts {
		p = strings.Map(func(r rune) rune {
			if r < 0x20 || strings.ContainsRune(`<>:"\|?*`, r) {
				return '_'
			}
			return r
		}, strings.TrimSpace(p))
		p = strings.TrimRight(p, ". ")
		if p == "" || p == "." || p == ".." {
			return "", fmt.Errorf("%w: %q", ErrBadUpdateID, updateID)
		}
		parts[i] = p
	}
	return path.Join(parts...), nil
}

// PackageFileName is the name an update's file is stored under: the catalog's, else the last
// part of its URL. "" means the name is not known until a staged file supplies it.
func PackageFileName(u Update) string {
	name := u.FileName
	if name == "" && !u.ManualDownload && u.URL != "" {
		raw := u.URL
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		name = path.Base(raw)
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// packageCountsSQL and policyCountsSQL feed the Remediation Center's Downloaded, Staged and
// Policies columns (catalog_query.go joins them to the bulletin list). A package counts only
// while its update is still in the catalog, so a bulletin whose vendor added an update is no
// longer staged.
const (
	packageCountsSQL = `SELECT p.bulletin_id, COUNT(*) AS n FROM packages p JOIN updates u ON u.id = p.update_id
		WHERE p.state = 'downloaded' GROUP BY p.bulletin_id`
	policyCountsSQL = `SELECT bulletin_id, COUNT(*) AS n FROM policy_bulletins GROUP BY bulletin_id`
)
