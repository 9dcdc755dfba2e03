package jobs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchdesk/model"
	"patchdesk/model/settings"
)

func importRun(t *testing.T, store *model.Store, src settings.Source, req ImportRequest) ImportResult {
	t.Helper()
	res, err := Import(context.Background(), store, src, nil, quiet, req, nil)
	if err != nil {
		t.Fatalf("Import(%v): %v", req.Sources, err)
	}
	return res
}

func TestImportRealSourcesTwice(t *testing.T) {
	_, store, src := newRunner(t)
	req := ImportRequest{Sources: []string{"testdata/msrc", "testdata/winget"}}
	first := importRun(t, store, src, req)
	if first.BulletinsAdded != 37+22 || first.UpdatesAdded != first.Updates || first.Bulletins != 59 || first.SourcesRead != 12 {
		t.Fatalf("first import = %+v", first)
	}
	second := importRun(t, store, src, req)
	if second.ImportCounts != (model.ImportCounts{}) || second.SourcesRead != 0 || second.SourcesUnchanged != 12 {
		t.Fatalf("second import changed something: %+v", second)
	}
	full := importRun(t, store, src, ImportRequest{Sources: req.Sources, Full: true})
	if full.ImportCounts != (model.ImportCounts{}) || full.SourcesRead != 12 {
		t.Fatalf("full re-import of the same data: %+v", full)
	}
	rows, err := store.Bulletins(context.Background(), model.BulletinFilter{Vendor: "Google LLC", Sort: "id"})
	if err != nil || len(rows) != 2 || !rows[0].Superseded || rows[1].Superseded {
		t.Errorf("chrome bulletins = %+v, %v", rows, err)
	}
}

func TestImportTruncatedLeavesCatalogIntact(t *testing.T) {
	_, store, src := newRunner(t)
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/msrc/cvrfDocument-2024-Jan.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cvrfDocument-2024-Jan.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	importRun(t, store, src, ImportRequest{Sources: []string{dir}})
	before, _ := store.CatalogCounts(context.Background())
	if err := os.WriteFile(path, data[:len(data)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Import(context.Background(), store, src, nil, quiet, ImportRequest{Sources: []string{dir}}, nil)
	if err == nil || !strings.Contains(err.Error(), "cvrfDocument-2024-Jan.xml") || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated document: err = %v", err)
	}
	after, _ := store.CatalogCounts(context.Background())
	if after != before {
		t.Errorf("catalog changed by a failed import: %+v → %+v", before, after)
	}
}

func TestImportSettingsAndSnapshot(t *testing.T) {
	_, store, src := newRunner(t)
	ctx := context.Background()
	snapshot := writeCatalog(t, seedParts(t))
	// Default settings: the embedded snapshot only.
	res, err := Import(ctx, store, src, snapshot, quiet, ImportRequest{}, nil)
	if err != nil || res.BulletinsAdded != 1 || res.Locations[0] != EmbeddedLocation {
		t.Fatalf("snapshot import = %+v, %v", res, err)
	}
	wingetDir, _ := filepath.Abs("testdata/winget")
	if _, err := src.Save(ctx, "t", map[string]string{
		settings.KeyImportAltLocations: wingetDir,
		settings.KeyImportLanguages:    "de",
		settings.KeyImportVendors:      "Google LLC",
	}); err != nil {
		t.Fatal(err)
	}
	// Only Google, and only language-neutral or German installers: Chrome's are neutral.
	res, err = Import(ctx, store, src, snapshot, quiet, ImportRequest{}, nil)
	if err != nil || res.BulletinsAdded != 2 || res.SourcesRead != 12 { // a new selection re-reads every unit
		t.Fatalf("selected import = %+v, %v", res, err)
	}
	offer, err := store.CatalogOffered(ctx)
	if err != nil || len(offer.Vendors) < 10 || !strings.Contains(strings.Join(offer.Languages, ","), "en-US") {
		t.Errorf("offer after a selective import = %+v, %v (must list what was left out too)", offer, err)
	}
	// Delete-excluded removes what the selection now leaves out: the Microsoft snapshot bulletin.
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyImportDeleteExcl: "on"}); err != nil {
		t.Fatal(err)
	}
	res, err = Import(ctx, store, src, snapshot, quiet, ImportRequest{}, nil)
	if err != nil || res.BulletinsRemoved != 1 || res.Bulletins != 2 {
		t.Fatalf("delete-excluded import = %+v, %v", res, err)
	}
	live, err := OfferedBy(ctx, src, snapshot, nil, nil)
	if err != nil || !strings.Contains(strings.Join(live.Vendors, ","), "Microsoft") {
		t.Errorf("OfferedBy = %+v, %v", live, err)
	}
}

func TestImportURLAndCancel(t *testing.T) {
	_, store, src := newRunner(t)
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata/seeds")))
	defer srv.Close()
	res, err := Import(context.Background(), store, src, nil, quiet, ImportRequest{Sources: []string{srv.URL + "/cvrf-2024-Jan-excerpt.xml"}, Client: srv.Client()}, nil)
	if err != nil || res.BulletinsAdded != 1 || res.UpdatesAdded != 2 {
		t.Fatalf("URL import = %+v, %v", res, err)
	}
	_, err = Import(context.Background(), store, src, nil, quiet, ImportRequest{Sources: []string{srv.URL + "/missing.xml"}, Client: srv.Client()}, nil)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing URL: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Import(ctx, store, src, nil, quiet, ImportRequest{Sources: []string{"testdata/winget"}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: err = %v", err)
	}
	if st, _ := store.CatalogCounts(context.Background()); st.Bulletins != 1 {
		t.Errorf("cancelled import wrote: %+v", st)
	}
}

func TestImportJobRecordsCounts(t *testing.T) {
	r, store, src := newRunner(t)
	r.Register(ImportJobFor(store, src, nil, quiet, ImportRequest{Sources: []string{"testdata/winget"}}))
	rec, err := r.Run(context.Background(), ImportJobName, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.DecodeCounts(); c["bulletins_added"] != 22 || c["updates_added"] != 71 {
		t.Errorf("counts = %v", c)
	}
}
