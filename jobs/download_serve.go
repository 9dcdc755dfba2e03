package jobs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"patchdesk/model"
)

// PackagePath is where the listener serves packages to agents: PackagePath + the package's
// SHA-256 (as the agent's policy names it).
const PackagePath = "/api/agent/v1/packages/"

// AgentAuth says which enrolled computer sent a request; ok is false for anyone else.
type AgentAuth func(r *http.Request) (computerID uint, ok bool)

var sha256Path = regexp.MustCompile(`^[0-9a-f]{64}$`)

// PackageHandler serves stored, verified packages to enrolled agents, with Range support so an
// agent resumes a cut download. Mount it at PackagePath on the agent listener. Only packages in
// the downloaded state are served: a queued, failed or quarantined one is a 404. A file is
// hashed again before it is first served and whenever its size or modification time changed,
// so a file altered on disk after its download is quarantined and fetched again instead of
// reaching an agent.
func PackageHandler(store *model.Store, auth AgentAuth, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	check := &servedFiles{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		computer, ok := auth(r)
		if !ok {
			http.Error(w, "agent credential required", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		sum := strings.ToLower(strings.TrimPrefix(r.URL.Path, PackagePath))
		if !sha256Path.MatchString(sum) {
			http.Error(w, "a package is named by its SHA-256 (64 hex digits)", http.StatusBadRequest)
			return
		}
		p, err := store.ServablePackage(r.Context(), sum)
		if errors.Is(err, model.ErrNotFound) {
			http.Error(w, "no such package on this host", http.StatusNotFound)
			return
		}
		if err != nil {
			log.Error("find package", "sha256", sum, "err", err)
			http.Error(w, "package store unavailable", http.StatusInternalServerError)
			return
		}
		f, err := os.Open(p.FilePath())
		if err != nil {
			// The row says downloaded but the file is gone: the integrity job will fetch it again.
			log.Error("package file missing", "update", p.UpdateID, "path", p.FilePath(), "err", err)
			http.Error(w, "package file is missing on the host", http.StatusNotFound)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || fi.Size() != p.Size {
			log.Error("package file changed on disk", "update", p.UpdateID, "path", p.FilePath())
			http.Error(w, "package file changed on the host", http.StatusNotFound)
			return
		}
		if ok, err := check.verified(p, fi); err != nil {
			log.Error("check package before serving", "update", p.UpdateID, "err", err)
			http.Error(w, "package store unavailable", http.StatusInternalServerError)
			return
		} else if !ok {
			check.reject(r.Context(), store, p, log)
			http.Error(w, "package failed its hash check on the host; it is being downloaded again", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("ETag", `"`+p.SHA256+`"`)
		w.Header().Set("X-Package-SHA256", p.SHA256)
		w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(p.FileName, `"`, "_")+`"`)
		log.Debug("serving package", "computer", computer, "update", p.UpdateID, "range", r.Header.Get("Range"))
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}

// servedFiles remembers which package files were hashed and found sound, by path, size and
// modification time: a file is hashed once, not per request, and again when it changed.
type servedFiles struct {
	sound  sync.Map // path → fileStamp
	hashes singleflight.Group
}

type fileStamp struct {
	size    int64
	modTime time.Time
}

// verified tells whether the file at p.FilePath(), as fi describes it, has the package's SHA-256.
// Concurrent requests for a file not checked yet share one hashing.
func (s *servedFiles) verified(p model.Package, fi os.FileInfo) (bool, error) {
	stamp := fileStamp{fi.Size(), fi.ModTime()}
	if v, ok := s.sound.Load(p.FilePath()); ok && v.(fileStamp) == stamp {
		return true, nil
	}
	v, err, _ := s.hashes.Do(p.FilePath(), func() (any, error) {
		sum, _, err := hashPackageFile(p.FilePath())
		return sum, err
	})
	if err != nil {
		return false, err
	}
	if v.(string) != p.SHA256 {
		s.sound.Delete(p.FilePath())
		return false, nil
	}
	s.sound.Store(p.FilePath(), stamp)
	return true, nil
}

// reject quarantines a stored file whose hash is wrong and queues the package for download.
func (s *servedFiles) reject(ctx context.Context, store *model.Store, p model.Package, log *slog.Logger) {
	q, err := quarantineStored(p, time.Now())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Error("quarantine corrupt package", "update", p.UpdateID, "err", err)
	} else {
		log.Error("stored package is corrupt; quarantined instead of served", "update", p.UpdateID, "file", q)
	}
	if err := store.RequeuePackages(context.WithoutCancel(ctx), []string{p.UpdateID}); err != nil {
		log.Error("queue corrupt package for download", "update", p.UpdateID, "err", err)
	}
}
