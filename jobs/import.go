package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
	"patchdesk/model/rules"
	"patchdesk/model/settings"
)

// ImportJobName is the catalog import's job name (`patchdesk job run import-catalog`).
const ImportJobName = "import-catalog"

// ImportRequest overrides the settings for one run (the CLI's flags).
type ImportRequest struct {
	// Sources replace the configured locations (the snapshot and alternative locations) for
	// this run when not empty: folders, files or http(s) URLs.
	Sources []string
	// Full re-reads every unit even when incremental import is on.
	Full bool
	// Client fetches http(s) locations; nil uses a client with a 10-minute timeout.
	Client *http.Client
}

// ImportResult is what an import did, printed by `patchdesk import --format json`.
type ImportResult struct {
	model.ImportCounts
	Locations        []string `json:"locations"`
	SourcesRead      int      `json:"sources_read"`
	SourcesUnchanged int      `json:"sources_unchanged"`
	SourcesRemoved   int      `json:"sources_removed"`
	Bulletins        int64    `json:"bulletins"` // in the catalog afterwards
	Updates          int64    `json:"updates"`
	Seconds          float64  `json:"seconds"`
}

// ImportJob is the scheduled Import Patch Data job: it imports from the locations the settings
// name. snapshot is the embedded catalog (assets.Catalog()), nil when there is none.
func ImportJob(store *model.Store, src settings.Source, snapshot fs.FS, log *slog.Logger) Job {
	return ImportJobFor(store, src, snapshot, log, ImportRequest{})
}

// ImportJobFor is ImportJob with a request's overrides, for `patchdesk import --source … --full`
// run through the runner so that the run is recorded in the job history.
func ImportJobFor(store *model.Store, src settings.Source, snapshot fs.FS, log *slog.Logger, req ImportRequest) Job {
	return Job{
		Name:        ImportJobName,
		Title:       "Import Patch Data",
		Description: "Reads the software update catalog (the built-in snapshot, PatchDesk catalogs, MSRC CVRF documents, winget manifests) and imports vendors, software, bulletins and updates.",
		ScheduleKey: settings.KeyImportSchedule,
		Run: func(ctx context.Context, run *Run) error {
			_, err := Import(ctx, store, src, snapshot, log, req, run)
			return err
		},
	}
}

// Import reads the sources and writes the catalog in one transaction. run may be nil.
func Import(ctx context.Context, store *model.Store, src settings.Source, snapshot fs.FS, log *slog.Logger, req ImportRequest, run *Run) (ImportResult, error) {
	start := time.Now()
	if log == nil {
		log = slog.Default()
	}
	if run == nil {
		run = &Run{Job: ImportJobName, Start: start, counts: map[string]int64{}, notify: func() {}}
	}
	var res ImportResult
	v, err := src.Load(ctx)
	if err != nil {
		return res, err
	}
	sel := newSelection(v)
	incremental := v.Bool(settings.KeyImportIncremental) && !req.Full
	res.Locations = req.Sources
	if len(res.Locations) == 0 {
		if v.Bool(settings.KeyImportUseDefault) {
			res.Locations = append(res.Locations, EmbeddedLocation)
		}
		res.Locations = append(res.Locations, v.List(settings.KeyImportAltLocations)...)
	}
	if len(res.Locations) == 0 {
		return res, fmt.Errorf("import catalog: no location to import from (the default location is off and no alternative location is set)")
	}
	client := req.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	opener := sourceOpener{snapshot: snapshot, client: client}

	known, err := store.CatalogSources(ctx)
	if err != nil {
		return res, err
	}
	last := map[string]model.CatalogSource{}
	for _, s := range known {
		last[model.SourceKey(s.Location, s.Unit)] = s
	}

	run.Say("listing %d catalog locations", len(res.Locations))
	var units []sourceUnit
	for _, loc := range res.Locations {
		us, err := opener.units(ctx, loc)
		if err != nil {
			return res, fmt.Errorf("import catalog from %s: %w", loc, err)
		}
		units = append(units, us...)
	}
	present := map[string]bool{}
	var write []model.CatalogUnit
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		key := model.SourceKey(u.location, u.name)
		present[key] = true
		run.Progress(int64(i), int64(len(units)+1))
		if prev, ok := last[key]; ok && incremental && prev.Digest == u.digest && prev.Selection == sel.digest {
			res.SourcesUnchanged++
			continue
		}
		run.Say("reading %s", key)
		bs, err := u.read(ctx)
		if err != nil {
			return res, fmt.Errorf("import catalog from %s: %w", u.location, err)
		}
		write = append(write, sel.apply(u, bs))
		res.SourcesRead++
	}
	// Units that vanished from a location read in this run take their bulletins with them.
	for _, s := range known {
		key := model.SourceKey(s.Location, s.Unit)
		if slices.Contains(res.Locations, s.Location) && !present[key] {
			write = append(write, model.CatalogUnit{Location: s.Location, Unit: s.Unit, Gone: true})
			res.SourcesRemoved++
		}
	}
	run.Progress(int64(len(units)), int64(len(units)+1))
	run.Say("writing the catalog")
	counts, err := store.ApplyCatalog(ctx, write, model.ApplyOptions{
		DeleteExcluded: v.Bool(settings.KeyImportDeleteExcl),
		KeepBulletin:   sel.keepBulletin,
		KeepLanguage:   sel.keepLanguage,
	})
	if err != nil {
		return res, fmt.Errorf("import catalog: %w", err)
	}
	res.ImportCounts = counts
	for name, n := range counts.Map() {
		run.Add(name, n)
	}
	if err := revisePolicies(ctx, store, v, run); err != nil {
		return res, err
	}
	if err := recomputeAfterImport(ctx, store, counts, run); err != nil {
		return res, err
	}
	stats, err := store.CatalogCounts(ctx)
	if err != nil {
		return res, err
	}
	res.Bulletins, res.Updates = stats.Bulletins, stats.Updates
	res.Seconds = time.Since(start).Seconds()
	run.Progress(int64(len(units)+1), int64(len(units)+1))
	run.Say("%d bulletins added, %d changed, %d removed; %d updates added, %d changed, %d removed (%d sources read, %d unchanged)",
		counts.BulletinsAdded, counts.BulletinsChanged, counts.BulletinsRemoved, counts.UpdatesAdded, counts.UpdatesChanged, counts.UpdatesRemoved,
		res.SourcesRead, res.SourcesUnchanged)
	log.Info("catalog imported", "locations", res.Locations, "bulletins_added", counts.BulletinsAdded, "bulletins_changed", counts.BulletinsChanged,
		"bulletins_removed", counts.BulletinsRemoved, "sources_read", res.SourcesRead, "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

// selection is the vendors, software and languages chosen on the Import Patch Data page.
type selection struct {
	vendors, software, languages []string
	digest                       string
}

func newSelection(v settings.Values) selection {
	s := selection{vendors: v.List(settings.KeyImportVendors), software: v.List(settings.KeyImportSoftware), languages: v.List(settings.KeyImportLanguages)}
	b, _ := json.Marshal([][]string{s.vendors, s.software, s.languages})
	sum := sha256.Sum256(b)
	s.digest = hex.EncodeToString(sum[:8])
	return s
}

// keepBulletin: no vendor or software chosen means everything; otherwise a bulletin is kept
// when its vendor or its software is chosen (a checked vendor includes all its software).
func (s selection) keepBulletin(vendor, software string) bool {
	if len(s.vendors) == 0 && len(s.software) == 0 {
		return true
	}
	return containsFold(s.vendors, vendor) || containsFold(s.software, software)
}

// keepLanguage keeps language-neutral updates and those in a chosen language ("en" covers
// "en-US").
func (s selection) keepLanguage(lang string) bool {
	if lang == "" || len(s.languages) == 0 {
		return true
	}
	for _, want := range s.languages {
		if rules.LanguageMatches(want, lang) {
			return true
		}
	}
	return false
}

func (s selection) apply(u sourceUnit, bs []model.CatalogBulletin) model.CatalogUnit {
	cu := model.CatalogUnit{Location: u.location, Unit: u.name, Digest: u.digest, Selection: s.digest, Offer: model.Offer(bs)}
	for _, b := range bs {
		if !s.keepBulletin(b.Vendor, b.Software) {
			cu.ExcludedBulletins = append(cu.ExcludedBulletins, b.ID)
			continue
		}
		kept := b.Updates[:0:0]
		for _, up := range b.Updates {
			if s.keepLanguage(up.Language) {
				kept = append(kept, up)
			} else {
				cu.ExcludedUpdates = append(cu.ExcludedUpdates, up.ID)
			}
		}
		if len(kept) == 0 {
			cu.ExcludedBulletins = append(cu.ExcludedBulletins, b.ID)
			continue
		}
		b.Updates = kept
		cu.Bulletins = append(cu.Bulletins, b)
	}
	return cu
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(s)) })
}

// OfferedBy reads what the locations offer (vendors, software, languages) without importing:
// the Import Patch Data page's "Update list" action. Empty locations means the configured ones.
func OfferedBy(ctx context.Context, src settings.Source, snapshot fs.FS, locations []string, client *http.Client) (model.CatalogOffer, error) {
	offer := model.CatalogOffer{Vendors: []string{}, Software: []model.OfferedSoftware{}, Languages: []string{}}
	if len(locations) == 0 {
		v, err := src.Load(ctx)
		if err != nil {
			return offer, err
		}
		if v.Bool(settings.KeyImportUseDefault) {
			locations = append(locations, EmbeddedLocation)
		}
		locations = append(locations, v.List(settings.KeyImportAltLocations)...)
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	opener := sourceOpener{snapshot: snapshot, client: client}
	for _, loc := range locations {
		units, err := opener.units(ctx, loc)
		if err != nil {
			return offer, fmt.Errorf("list catalog offer of %s: %w", loc, err)
		}
		for _, u := range units {
			bs, err := u.read(ctx)
			if err != nil {
				return offer, fmt.Errorf("list catalog offer of %s: %w", loc, err)
			}
			offer.Merge(model.Offer(bs))
		}
	}
	return offer, nil
}
