package jobs

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"

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
// the downloaded state are served: a queued, failed or quarantined one is a 404, so a file whose
// hash did not match never reaches an agent.
func PackageHandler(store *model.Store, auth AgentAuth, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
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
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("ETag", `"`+p.SHA256+`"`)
		w.Header().Set("X-Package-SHA256", p.SHA256)
		w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(p.FileName, `"`, "_")+`"`)
		log.Debug("serving package", "computer", computer, "update", p.UpdateID, "range", r.Header.Get("Range"))
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}
