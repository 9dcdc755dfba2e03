package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
)

// A catalog location (the embedded snapshot, a folder, a file or an http(s) URL) is split into
// units, each with a digest, so an incremental import re-reads only changed units: one unit
// per part file of a PatchDesk catalog (the index gives digests without fetching), one for a
// location's CVRF documents (MSRC revises months and a KB's dates span months, so they are
// mapped together), one per winget package identifier (newer versions supersede older ones).

// EmbeddedLocation names the snapshot built into PatchDesk in catalog_sources.
const EmbeddedLocation = "embedded:catalog"

const (
	maxWalkFiles = 200000
	maxWalkDepth = 12
)

type sourceUnit struct {
	location, name, digest string
	read                   func(ctx context.Context) ([]model.CatalogBulletin, error)
}

// sourceOpener resolves locations; client is used for http(s) URLs.
type sourceOpener struct {
	snapshot fs.FS
	client   *http.Client
}

func (o sourceOpener) units(ctx context.Context, loc string) ([]sourceUnit, error) {
	switch {
	case loc == EmbeddedLocation:
		if o.snapshot == nil {
			return nil, errors.New("this PatchDesk was built without a catalog snapshot")
		}
		return nativeUnits(ctx, loc, fsFetcher{o.snapshot})
	case strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://"):
		return o.urlUnits(ctx, loc)
	}
	fi, err := os.Stat(loc)
	if err != nil {
		return nil, fmt.Errorf("catalog location %s: %w", loc, err)
	}
	if !fi.IsDir() {
		if filepath.Base(loc) == NativeIndex {
			return nativeUnits(ctx, loc, fsFetcher{os.DirFS(filepath.Dir(loc))})
		}
		return fileUnits(loc, os.DirFS(filepath.Dir(loc)), []string{filepath.Base(loc)})
	}
	fsys := os.DirFS(loc)
	if _, err := fs.Stat(fsys, NativeIndex); err == nil {
		return nativeUnits(ctx, loc, fsFetcher{fsys})
	}
	var files []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.Count(p, "/") >= maxWalkDepth {
				return fs.SkipDir
			}
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if isCVRFName(p) || isWingetName(p) {
			files = append(files, p)
			if len(files) > maxWalkFiles {
				return fmt.Errorf("more than %d catalog files", maxWalkFiles)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog location %s: %w", loc, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("catalog location %s: no index.json, CVRF .xml or winget .yaml files found", loc)
	}
	units, err := fileUnits(loc, fsys, files)
	if err != nil {
		return nil, fmt.Errorf("catalog location %s: %w", loc, err)
	}
	return units, nil
}

func isCVRFName(p string) bool { return strings.EqualFold(path.Ext(p), ".xml") }
func isWingetName(p string) bool {
	e := strings.ToLower(path.Ext(p))
	return e == ".yaml" || e == ".yml"
}

// fileUnits makes units of CVRF and winget files found under fsys.
func fileUnits(loc string, fsys fs.FS, files []string) ([]sourceUnit, error) {
	var units []sourceUnit
	var cvrf []string
	var winget []string
	for _, f := range files {
		switch {
		case isCVRFName(f):
			cvrf = append(cvrf, f)
		case isWingetName(f):
			winget = append(winget, f)
		default:
			return nil, fmt.Errorf("%s: not a CVRF .xml, winget .yaml or PatchDesk index.json", f)
		}
	}
	if len(cvrf) > 0 {
		u, err := cvrfUnit(loc, fsys, cvrf)
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	if len(winget) > 0 {
		us, err := wingetUnits(loc, fsys, winget)
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	return units, nil
}

func cvrfUnit(loc string, fsys fs.FS, files []string) (sourceUnit, error) {
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		sum, err := hashFile(fsys, f, maxCVRFSize)
		if err != nil {
			return sourceUnit{}, err
		}
		fmt.Fprintf(h, "%s %s\n", f, sum)
	}
	return sourceUnit{location: loc, name: "msrc-cvrf", digest: hex.EncodeToString(h.Sum(nil)),
		read: func(ctx context.Context) ([]model.CatalogBulletin, error) {
			var docs []*cvrfDoc
			for _, f := range files {
				doc, err := readFSFile(ctx, fsys, f, func(r io.Reader) (*cvrfDoc, error) { return readCVRF(ctx, f, r) })
				if err != nil {
					return nil, err
				}
				docs = append(docs, doc)
			}
			bs := cvrfBulletins(docs)
			for _, b := range bs {
				if err := b.Validate(); err != nil {
					return nil, fmt.Errorf("%s: %w", strings.Join(files, ", "), err)
				}
			}
			return bs, nil
		}}, nil
}

// wingetUnits parses every manifest up front: grouping needs each file's PackageIdentifier.
func wingetUnits(loc string, fsys fs.FS, files []string) ([]sourceUnit, error) {
	slices.Sort(files)
	type group struct {
		files []string
		data  [][]byte
		pkgs  map[string]*wingetPackage
	}
	groups := map[string]*group{}
	for _, f := range files {
		data, err := readFSBytes(fsys, f, maxManifestSize)
		if err != nil {
			return nil, err
		}
		m, err := parseWingetManifest(f, data)
		if err != nil {
			return nil, err
		}
		g := groups[m.PackageIdentifier]
		if g == nil {
			g = &group{pkgs: map[string]*wingetPackage{}}
			groups[m.PackageIdentifier] = g
		}
		g.files, g.data = append(g.files, f), append(g.data, data)
		p := g.pkgs[m.PackageVersion]
		if p == nil {
			p = &wingetPackage{id: m.PackageIdentifier, version: m.PackageVersion}
			g.pkgs[m.PackageVersion] = p
		}
		if err := p.add(f, m); err != nil {
			return nil, err
		}
	}
	var units []sourceUnit
	for _, id := range slices.Sorted(mapsKeys(groups)) {
		g := groups[id]
		h := sha256.New()
		for i, f := range g.files {
			sum := sha256.Sum256(g.data[i])
			fmt.Fprintf(h, "%s %x\n", f, sum)
		}
		var pkgs []*wingetPackage
		for _, v := range slices.Sorted(mapsKeys(g.pkgs)) {
			pkgs = append(pkgs, g.pkgs[v])
		}
		units = append(units, sourceUnit{location: loc, name: "winget/" + id, digest: hex.EncodeToString(h.Sum(nil)),
			read: func(ctx context.Context) ([]model.CatalogBulletin, error) {
				bs, err := wingetBulletins(pkgs)
				if err != nil {
					return nil, err
				}
				for _, b := range bs {
					if err := b.Validate(); err != nil {
						return nil, fmt.Errorf("winget %s: %w", id, err)
					}
				}
				return bs, nil
			}})
	}
	return units, nil
}

func mapsKeys[M ~map[string]V, V any](m M) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// fetcher opens a catalog's files by slash path: from a folder, the embedded FS or a URL.
type fetcher interface {
	open(ctx context.Context, name string) (io.ReadCloser, error)
}

type fsFetcher struct{ fsys fs.FS }

func (f fsFetcher) open(_ context.Context, name string) (io.ReadCloser, error) {
	return f.fsys.Open(name)
}

type httpFetcher struct {
	base   *url.URL
	client *http.Client
}

func (f httpFetcher) open(ctx context.Context, name string) (io.ReadCloser, error) {
	u := f.base.JoinPath(name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: %s", u, resp.Status)
	}
	return resp.Body, nil
}

func nativeUnits(ctx context.Context, loc string, f fetcher) ([]sourceUnit, error) {
	rc, err := f.open(ctx, NativeIndex)
	if err != nil {
		return nil, fmt.Errorf("catalog location %s: %w", loc, err)
	}
	idx, err := readNativeIndex(loc+"/"+NativeIndex, rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	units := make([]sourceUnit, 0, len(idx.Files))
	for _, ref := range idx.Files {
		units = append(units, sourceUnit{location: loc, name: ref.Path, digest: strings.ToLower(ref.SHA256),
			read: func(ctx context.Context) ([]model.CatalogBulletin, error) {
				rc, err := f.open(ctx, ref.Path)
				if err != nil {
					return nil, fmt.Errorf("catalog part %s: %w", ref.Path, err)
				}
				defer rc.Close()
				return readNativePart(ctx, loc+"/"+ref.Path, rc, ref.SHA256, ref.Size)
			}})
	}
	return units, nil
}

// urlUnits: a URL ending in .xml is one CVRF document, .yaml one singleton winget manifest,
// anything else a PatchDesk catalog (its index.json, or the folder holding it).
func (o sourceOpener) urlUnits(ctx context.Context, loc string) ([]sourceUnit, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("catalog location %s: %w", loc, err)
	}
	client := o.client
	if client == nil {
		client = http.DefaultClient
	}
	base := *u
	name := path.Base(u.Path)
	base.Path = path.Dir(u.Path)
	f := httpFetcher{base: &base, client: client}
	switch {
	case isCVRFName(name) || isWingetName(name):
		limit := int64(maxCVRFSize)
		if isWingetName(name) {
			limit = maxManifestSize
		}
		rc, err := f.open(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("catalog location %s: %w", loc, err)
		}
		data, err := readLimited(rc, limit)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("catalog location %s: %w", loc, err)
		}
		return fileUnits(loc, memFS{name: name, data: data}, []string{name})
	case name == NativeIndex:
		return nativeUnits(ctx, loc, f)
	}
	dir := *u
	dir.Path = strings.TrimSuffix(u.Path, "/")
	return nativeUnits(ctx, loc, httpFetcher{base: &dir, client: client})
}

// memFS serves one downloaded file to the file-based readers.
type memFS struct {
	name string
	data []byte
}

func (m memFS) Open(name string) (fs.File, error) {
	if name != m.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(m.data), name: name, size: int64(len(m.data))}, nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

func hashFile(fsys fs.FS, name string, limit int64) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, &limitedReader{r: f, n: limit}); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readFSBytes(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

func readFSFile[T any](_ context.Context, fsys fs.FS, name string, parse func(io.Reader) (T, error)) (T, error) {
	f, err := fsys.Open(name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return parse(f)
}

// ReadLocation reads every bulletin a location holds, without filtering or writing anything:
// the snapshot converter (jobs/cmd/mkcatalog) turns ../shared/data into the native format
// with it.
func ReadLocation(ctx context.Context, loc string) ([]model.CatalogBulletin, error) {
	units, err := sourceOpener{}.units(ctx, loc)
	if err != nil {
		return nil, err
	}
	var all []model.CatalogBulletin
	for _, u := range units {
		bs, err := u.read(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		all = append(all, bs...)
	}
	return all, nil
}
