package agentsvc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/rules"
)

// e2eUpdate is one update of an end-to-end catalog: its installer file and how the agent runs
// and detects it. Each becomes bulletin "B-"+name with update "U-"+name.
type e2eUpdate struct {
	name, file, commandLine, kb string
	installer                   []byte
	successCodes, rebootCodes   []int
}

// startE2EHost is a host for install-cycle tests: a vendor server on 127.0.0.1 with the
// updates' installers, a catalog of them for one OS family (installed when the computer reports
// the update's KB), every package downloaded, the package of the update named "tamper" altered
// on the host after its download (same size and still working, so only a hash check tells), an as-soon-as-possible
// policy for all of them, and a listener serving policies and packages. It returns the host and
// the bulletin IDs.
func startE2EHost(t *testing.T, ctx context.Context, family string, updates []e2eUpdate, values map[string]string, opts Options) (*host, []string) {
	t.Helper()
	files := map[string][]byte{}
	for _, u := range updates {
		files[u.file] = u.installer
	}
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(vendor.Close)

	store, src := openTestStore(t)
	if _, err := src.Save(ctx, "test", values); err != nil {
		t.Fatal(err)
	}
	applicable := rules.Rule{Op: rules.OS, Family: family}
	var bulletins []model.CatalogBulletin
	var ids []string
	for _, u := range updates {
		installed := rules.HasKB(u.kb)
		cu := model.CatalogUpdate{ID: "U-" + u.name, Name: u.name + " update", URL: vendor.URL + "/" + u.file, FileName: u.file,
			Size: int64(len(u.installer)), SHA256: sha(u.installer), CommandLine: u.commandLine, Applicable: &applicable, Installed: &installed,
			SuccessCodes: u.successCodes, RebootCodes: u.rebootCodes}
		bulletins = append(bulletins, model.CatalogBulletin{ID: "B-" + u.name, Vendor: "Test Vendor", Software: "Test App", Title: u.name,
			Severity: "Critical", Released: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC), Updates: []model.CatalogUpdate{cu}})
		ids = append(ids, "B-"+u.name)
	}
	if _, err := store.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "test", Unit: "u", Digest: "d", Bulletins: bulletins}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RequestPackages(ctx, "test", ids, false); err != nil {
		t.Fatal(err)
	}
	sum, err := (&jobs.Downloader{Store: store, Settings: src, Log: quiet}).Run(ctx, nil)
	if err != nil || sum.Downloaded != len(updates) {
		t.Fatalf("download: %+v, %v", sum, err)
	}
	if pkgs, _ := store.Packages(ctx, "B-tamper"); len(pkgs) == 1 {
		// The last newline becomes a space: the script would still do its work if it ran, so a
		// test can tell that it did not.
		b, _ := os.ReadFile(pkgs[0].FilePath())
		if len(b) == 0 || b[len(b)-1] != '\n' {
			t.Fatal("the tamper installer must end with a newline")
		}
		b[len(b)-1] = ' '
		if err := os.WriteFile(pkgs[0].FilePath(), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.CreatePolicy(ctx, "test", model.PolicyInput{Name: "Test rollout", Bulletins: ids,
		Targets: []string{"All computers with the agent"}, Run: model.PolicyRunASAP, Enabled: true}); err != nil {
		t.Fatal(err)
	}

	h := serveHost(t, store, src, opts, func(srv *Server) {
		srv.ServePolicies(NewPolicies(store, src, quiet, time.Second))
		srv.HandleAgent(jobs.PackagePath, jobs.PackageHandler(store, srv.Authenticate, quiet))
	})
	return h, ids
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
