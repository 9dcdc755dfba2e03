package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
	"patchdesk/model/reports/reportstest"
)

// seedLarge writes n bulletins of 20 vendors, one update each, through the import's writer.
func seedLarge(b *testing.B, n int) *model.Store {
	b.Helper()
	store := reportstest.OpenStore(b)
	severities := []string{"Critical", "Important", "Moderate", "Low", ""}
	var bulletins []model.CatalogBulletin
	for i := range n {
		id := fmt.Sprintf("KB%07d", i)
		bulletins = append(bulletins, model.CatalogBulletin{ID: id, Vendor: fmt.Sprintf("Vendor %02d", i%20), Software: "Product",
			Title: "Update " + id, Severity: severities[i%len(severities)],
			Released: reportstest.Now.AddDate(0, 0, -i%400), Revised: reportstest.Now.AddDate(0, 0, -i%400),
			Updates: []model.CatalogUpdate{{ID: id + "-x64", Name: id, URL: "https://example/" + id}}})
	}
	if _, err := store.ApplyCatalog(context.Background(), []model.CatalogUnit{{Location: "bench", Unit: "all", Digest: "1",
		Bulletins: bulletins, Offer: model.Offer(bulletins)}}, model.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	return store
}

// BenchmarkBulletinReports runs the bulletin reports over a 10,000-bulletin catalog and reports
// the size of the HTML export of all of them.
func BenchmarkBulletinReports(b *testing.B) {
	store := seedLarge(b, 10000)
	for _, name := range []string{"bulletins-all", "bulletins-new-30-days", "diagnostics-catalog"} {
		b.Run(name, func(b *testing.B) {
			r, _ := reports.Lookup(name)
			var res *reports.Result
			for b.Loop() {
				var err error
				if res, err = r.RunAt(context.Background(), store, nil, reportstest.Now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(res.Rows)), "rows")
			var buf bytes.Buffer
			start := time.Now()
			if err := export.WriteHTML(&buf, res); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(buf.Len())/1e6, "html-MB")
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "html-ms")
		})
	}
}
