package jobs

import (
	"context"
	"testing"

	"patchdesk/assets"
	"patchdesk/model"
)

// TestImportEmbeddedSnapshot is what a new user gets on first start: real bulletins.
func TestImportEmbeddedSnapshot(t *testing.T) {
	_, store, src := newRunner(t)
	res, err := Import(context.Background(), store, src, assets.Catalog(), quiet, ImportRequest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bulletins != 185 || res.BulletinsAdded != 185 || res.SourcesRead != 15 {
		t.Errorf("snapshot import = %+v", res)
	}
	d, err := store.Bulletin(context.Background(), "KB5034127")
	if err != nil || d.Vendor != "Microsoft" || d.ManualDownloads != 5 {
		t.Errorf("KB5034127 = %+v, %v", d, err)
	}
	again, err := Import(context.Background(), store, src, assets.Catalog(), quiet, ImportRequest{}, nil)
	if err != nil || again.ImportCounts != (model.ImportCounts{}) || again.SourcesUnchanged != 15 {
		t.Errorf("second snapshot import = %+v, %v", again, err)
	}
}
