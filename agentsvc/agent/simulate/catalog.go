package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"patchdesk/model/rules"
)

// This is a reader for the part of the PatchDesk catalog format (docs/catalog-format.md) the
// simulator needs: bulletin ids and each update's rules. The full reader (jobs/native.go)
// decodes into model.CatalogBulletin, and model pulls in gorm and SQLite, which the agent
// binary must not carry; moving those types out of model is a larger change than this one.
// Like the full reader it refuses an unknown version, paths outside the catalog and parts
// whose size or SHA-256 differ from the index.

const (
	catalogFormat     = "patchdesk-catalog"
	catalogPartFormat = "patchdesk-catalog-part"
	catalogVersion    = 1
	catalogIndex      = "index.json"

	maxIndexSize = 8 << 20
	maxPartSize  = 512 << 20
)

// Bulletin is what the simulator reads of a catalog bulletin.
type Bulletin struct {
	ID       string    `json:"id"`
	Vendor   string    `json:"vendor"`
	Released time.Time `json:"released,omitzero"`
	Updates  []Update  `json:"updates"`
	// Part is the part file the bulletin came from ("winget/Google.Chrome.json").
	Part string `json:"-"`
}

// Update is what the simulator reads of one update.
type Update struct {
	ID           string      `json:"id"`
	KB           string      `json:"kb,omitempty"`
	Product      string      `json:"product,omitempty"`
	Architecture string      `json:"architecture,omitempty"`
	Applicable   *rules.Rule `json:"applicable,omitempty"`
	Installed    *rules.Rule `json:"installed,omitempty"`
}

type catalogIndexFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Files   []struct {
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"files"`
}

type catalogPart struct {
	Format    string     `json:"format"`
	Version   int        `json:"version"`
	Bulletins []Bulletin `json:"bulletins"`
}

// OpenCatalog opens a catalog folder, or the folder of an index.json named directly.
func OpenCatalog(name string) (fs.FS, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	if !st.IsDir() {
		if filepath.Base(name) != catalogIndex {
			return nil, fmt.Errorf("open catalog %s: name a folder or its %s", name, catalogIndex)
		}
		name = filepath.Dir(name)
	}
	return os.DirFS(name), nil
}

// ReadCatalog reads every bulletin of a PatchDesk-format catalog (index.json at fsys's root).
func ReadCatalog(fsys fs.FS) ([]Bulletin, error) {
	data, err := readAllLimited(fsys, catalogIndex, maxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("read catalog index: %w", err)
	}
	var idx catalogIndexFile
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("read catalog index: not a PatchDesk catalog index: %w", err)
	}
	if idx.Format != catalogFormat || idx.Version < 1 || idx.Version > catalogVersion {
		return nil, fmt.Errorf("read catalog index: format %q version %d, want %q version 1 to %d", idx.Format, idx.Version, catalogFormat, catalogVersion)
	}
	var out []Bulletin
	for i, f := range idx.Files {
		if !fs.ValidPath(f.Path) || path.Clean(f.Path) != f.Path || !strings.HasSuffix(f.Path, ".json") || f.Path == catalogIndex {
			return nil, fmt.Errorf("read catalog index: files[%d].path %q is not a part file inside the catalog", i, f.Path)
		}
		if f.Size < 0 || f.Size > maxPartSize {
			return nil, fmt.Errorf("read catalog index: files[%d].size %d is out of range", i, f.Size)
		}
		data, err := readAllLimited(fsys, f.Path, f.Size)
		if err != nil {
			return nil, fmt.Errorf("read catalog part: %w", err)
		}
		if int64(len(data)) != f.Size {
			return nil, fmt.Errorf("read catalog part %s: is %d bytes but the index says %d", f.Path, len(data), f.Size)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, f.SHA256) {
			return nil, fmt.Errorf("read catalog part %s: SHA-256 is %s but the index says %s (file changed or damaged)", f.Path, got, strings.ToLower(f.SHA256))
		}
		var part catalogPart
		if err := json.Unmarshal(data, &part); err != nil {
			return nil, fmt.Errorf("read catalog part %s: %w", f.Path, err)
		}
		if part.Format != catalogPartFormat || part.Version < 1 || part.Version > catalogVersion {
			return nil, fmt.Errorf("read catalog part %s: format %q version %d, want %q version 1 to %d", f.Path, part.Format, part.Version, catalogPartFormat, catalogVersion)
		}
		for _, b := range part.Bulletins {
			for _, u := range b.Updates {
				for _, r := range []*rules.Rule{u.Applicable, u.Installed} {
					if r == nil {
						continue
					}
					if err := r.Validate(); err != nil {
						return nil, fmt.Errorf("read catalog part %s: update %s: %w", f.Path, u.ID, err)
					}
				}
			}
			b.Part = f.Path
			out = append(out, b)
		}
	}
	return out, nil
}

// readAllLimited reads a file of at most limit bytes; one byte more is an error, so a part
// larger than the index says is refused without reading all of it.
func readAllLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return data, nil
}

var errTooLarge = errors.New("larger than its limit or than the index says")
