package model

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CatalogUnit is one re-read unit of a catalog location with what its reader produced.
type CatalogUnit struct {
	Location  string
	Unit      string
	Digest    string
	Selection string       // digest of the selection the unit was filtered with
	Offer     CatalogOffer // everything the unit holds, before filtering
	Bulletins []CatalogBulletin
	// ExcludedBulletins and ExcludedUpdates are ids the unit holds but the vendor, software and
	// language selection left out; they are kept in the database unless DeleteExcluded is set.
	ExcludedBulletins []string
	ExcludedUpdates   []string
	// Gone marks a unit that has disappeared from its location: its bulletins are removed.
	Gone bool
}

// ApplyOptions steer ApplyCatalog.
type ApplyOptions struct {
	// DeleteExcluded removes bulletins and updates the selection now leaves out (Table 6-1).
	DeleteExcluded bool
	// KeepBulletin and KeepLanguage say what the selection includes; nil keeps everything.
	KeepBulletin func(vendor, software string) bool
	KeepLanguage func(language string) bool
	// Progress reports units written so far.
	Progress func(done, total int)
}

// ImportCounts are the changes an import made.
type ImportCounts struct {
	BulletinsAdded   int64 `json:"bulletins_added"`
	BulletinsChanged int64 `json:"bulletins_changed"`
	BulletinsRemoved int64 `json:"bulletins_removed"`
	UpdatesAdded     int64 `json:"updates_added"`
	UpdatesChanged   int64 `json:"updates_changed"`
	UpdatesRemoved   int64 `json:"updates_removed"`
}

// Map lists the counts by name, for a job run's history.
func (c ImportCounts) Map() map[string]int64 {
	return map[string]int64{
		"bulletins_added": c.BulletinsAdded, "bulletins_changed": c.BulletinsChanged, "bulletins_removed": c.BulletinsRemoved,
		"updates_added": c.UpdatesAdded, "updates_changed": c.UpdatesChanged, "updates_removed": c.UpdatesRemoved,
	}
}

// catalogBatch bounds rows per INSERT so the statement stays under the drivers' parameter limits.
const catalogBatch = 400

type existingBulletin struct {
	ID, Digest, Source string
}

type existingUpdate struct {
	ID, BulletinID, Digest string
}

// ApplyCatalog writes re-read units in one transaction: a failure or a killed process leaves
// the previous catalog as it was. Administrators' own data on a bulletin (custom severity,
// disabled) survives a re-import.
func (s *Store) ApplyCatalog(ctx context.Context, units []CatalogUnit, opts ApplyOptions) (ImportCounts, error) {
	var counts ImportCounts
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w, err := newCatalogWriter(tx)
		if err != nil {
			return err
		}
		for i, u := range units {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := w.unit(u, opts.DeleteExcluded); err != nil {
				return fmt.Errorf("write %s: %w", SourceKey(u.Location, u.Unit), err)
			}
			if opts.Progress != nil {
				opts.Progress(i+1, len(units))
			}
		}
		if err := w.flush(); err != nil {
			return err
		}
		if opts.DeleteExcluded {
			if err := w.deleteExcluded(opts); err != nil {
				return err
			}
		}
		if err := w.finish(); err != nil {
			return err
		}
		counts = w.counts
		return nil
	})
	if err != nil {
		return ImportCounts{}, fmt.Errorf("write catalog: %w", err)
	}
	return counts, nil
}

type catalogWriter struct {
	tx        *gorm.DB
	vendors   map[string]uint
	software  map[[2]string]uint
	bulletins map[string]existingBulletin
	updates   map[string]existingUpdate
	byBull    map[string][]string // existing update ids by bulletin
	counts    ImportCounts

	// pending rows, flushed in batches
	newBulletins []Bulletin
	newUpdates   []Update
	cves         map[string]CVE
	bulletinCVEs []BulletinCVE
	bullSup      []BulletinSupersedence
	updSup       []UpdateSupersedence
	languages    map[string]bool
	sources      []CatalogSource
	removeB      []string
	removeU      []string
	relinkB      []string // bulletins whose link rows are rewritten
}

func newCatalogWriter(tx *gorm.DB) (*catalogWriter, error) {
	w := &catalogWriter{tx: tx, vendors: map[string]uint{}, software: map[[2]string]uint{}, bulletins: map[string]existingBulletin{},
		updates: map[string]existingUpdate{}, byBull: map[string][]string{}, cves: map[string]CVE{}, languages: map[string]bool{}}
	var vs []Vendor
	if err := tx.Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("read vendors: %w", err)
	}
	names := map[uint]string{}
	for _, v := range vs {
		w.vendors[v.Name], names[v.ID] = v.ID, v.Name
	}
	var sw []Software
	if err := tx.Find(&sw).Error; err != nil {
		return nil, fmt.Errorf("read software: %w", err)
	}
	for _, s := range sw {
		w.software[[2]string{names[s.VendorID], s.Name}] = s.ID
	}
	var bs []existingBulletin
	if err := tx.Model(&Bulletin{}).Select("id, digest, source").Scan(&bs).Error; err != nil {
		return nil, fmt.Errorf("read bulletins: %w", err)
	}
	for _, b := range bs {
		w.bulletins[b.ID] = b
	}
	var us []existingUpdate
	if err := tx.Model(&Update{}).Select("id, bulletin_id, digest").Scan(&us).Error; err != nil {
		return nil, fmt.Errorf("read updates: %w", err)
	}
	for _, u := range us {
		w.updates[u.ID] = u
		w.byBull[u.BulletinID] = append(w.byBull[u.BulletinID], u.ID)
	}
	return w, nil
}

func (w *catalogWriter) unit(u CatalogUnit, deleteExcluded bool) error {
	key := SourceKey(u.Location, u.Unit)
	produced := map[string]bool{}
	for _, b := range u.Bulletins {
		produced[b.ID] = true
	}
	excluded := map[string]bool{}
	for _, id := range u.ExcludedBulletins {
		excluded[id] = true
	}
	excludedUpd := map[string]bool{}
	for _, id := range u.ExcludedUpdates {
		excludedUpd[id] = true
	}
	for id, b := range w.bulletins {
		if b.Source == key && !produced[id] && (deleteExcluded || !excluded[id]) {
			w.removeBulletin(id)
		}
	}
	for _, b := range u.Bulletins {
		if err := w.bulletin(b, key, deleteExcluded, excludedUpd); err != nil {
			return err
		}
	}
	if u.Gone {
		if err := w.tx.Where("location = ? AND unit = ?", u.Location, u.Unit).Delete(&CatalogSource{}).Error; err != nil {
			return fmt.Errorf("forget catalog source: %w", err)
		}
		return nil
	}
	offer, err := json.Marshal(u.Offer)
	if err != nil {
		return fmt.Errorf("encode offer: %w", err)
	}
	w.sources = append(w.sources, CatalogSource{Location: u.Location, Unit: u.Unit, Digest: u.Digest, Selection: u.Selection,
		Offer: string(offer), Bulletins: len(u.Bulletins), ImportedAt: time.Now().UTC()})
	return nil
}

func (w *catalogWriter) removeBulletin(id string) {
	w.removeB = append(w.removeB, id)
	w.counts.BulletinsRemoved++
	w.counts.UpdatesRemoved += int64(len(w.byBull[id]))
	for _, uid := range w.byBull[id] {
		delete(w.updates, uid)
	}
	delete(w.byBull, id)
	delete(w.bulletins, id)
}

func (w *catalogWriter) bulletin(b CatalogBulletin, source string, deleteExcluded bool, excludedUpd map[string]bool) error {
	digest := b.Digest()
	old, exists := w.bulletins[b.ID]
	if exists && old.Digest == digest && old.Source == source {
		return nil
	}
	if exists && old.Digest != digest {
		w.counts.BulletinsChanged++
	} else if !exists {
		w.counts.BulletinsAdded++
	}
	w.bulletins[b.ID] = existingBulletin{ID: b.ID, Digest: digest, Source: source}
	vendorID, softwareID, err := w.ensureSoftware(b.Vendor, b.Software)
	if err != nil {
		return err
	}
	var cveIDs []string
	for _, c := range b.CVEs {
		cveIDs = append(cveIDs, c.ID)
		if have, ok := w.cves[c.ID]; !ok || (have.Title == "" && c.Title != "") {
			w.cves[c.ID] = CVE{ID: c.ID, Title: c.Title, Severity: c.Severity}
		}
	}
	slices.Sort(cveIDs)
	cveIDs = slices.Compact(cveIDs)
	w.newBulletins = append(w.newBulletins, Bulletin{ID: b.ID, VendorID: vendorID, SoftwareID: softwareID, Title: b.Title,
		Description: b.Description, Severity: b.Severity, SeverityRank: SeverityRank(b.Severity), Released: b.Released.UTC(),
		Revised: b.Revised.UTC(), UpdateCount: len(b.Updates), CVEs: strings.Join(cveIDs, " "), Source: source, Digest: digest})
	if exists {
		w.relinkB = append(w.relinkB, b.ID)
	}
	for _, c := range cveIDs {
		w.bulletinCVEs = append(w.bulletinCVEs, BulletinCVE{BulletinID: b.ID, CVEID: c})
	}
	for _, s := range uniqueIDs(b.Supersedes) {
		w.bullSup = append(w.bullSup, BulletinSupersedence{BulletinID: b.ID, SupersedesID: s})
	}

	fresh := map[string]bool{}
	for _, u := range b.Updates {
		fresh[u.ID] = true
		ud := u.Digest()
		if have, ok := w.updates[u.ID]; !ok {
			w.counts.UpdatesAdded++
		} else if have.Digest != ud || have.BulletinID != b.ID {
			w.counts.UpdatesChanged++
		}
		w.updates[u.ID] = existingUpdate{ID: u.ID, BulletinID: b.ID, Digest: ud}
		row, err := updateRow(b.ID, u, ud)
		if err != nil {
			return err
		}
		w.newUpdates = append(w.newUpdates, row)
		if u.Language != "" {
			w.languages[u.Language] = true
		}
		for _, s := range uniqueIDs(u.Supersedes) {
			w.updSup = append(w.updSup, UpdateSupersedence{UpdateID: u.ID, SupersedesID: s})
		}
	}
	var kept []string
	for _, uid := range w.byBull[b.ID] {
		switch {
		case fresh[uid]:
		case excludedUpd[uid] && !deleteExcluded:
			kept = append(kept, uid)
		default:
			w.removeU = append(w.removeU, uid)
			w.counts.UpdatesRemoved++
			delete(w.updates, uid)
		}
	}
	w.byBull[b.ID] = append(kept, slices.Collect(mapKeys(fresh))...)
	return nil
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func updateRow(bulletin string, u CatalogUpdate, digest string) (Update, error) {
	enc := func(v any) (string, error) {
		if r, ok := v.(interface{ String() string }); ok && v != nil {
			return r.String(), nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	row := Update{ID: u.ID, BulletinID: bulletin, Name: u.Name, KB: u.KB, Product: u.Product, Language: u.Language,
		Architecture: u.Architecture, URL: u.URL, ManualDownload: u.ManualDownload, FileName: u.FileName, Size: u.Size,
		SHA256: strings.ToUpper(u.SHA256), CommandLine: u.CommandLine, Restart: u.Restart, Digest: digest}
	var err error
	if u.Applicable != nil {
		if row.ApplicableRule, err = enc(u.Applicable); err != nil {
			return row, err
		}
	}
	if u.Installed != nil {
		if row.InstalledRule, err = enc(u.Installed); err != nil {
			return row, err
		}
	}
	codes := u.SuccessCodes
	if codes == nil {
		codes = DefaultSuccessCodes
	}
	reboot := u.RebootCodes
	if reboot == nil {
		reboot = DefaultRebootCodes
	}
	if row.SuccessCodes, err = enc(codes); err != nil {
		return row, err
	}
	if row.RebootCodes, err = enc(reboot); err != nil {
		return row, err
	}
	return row, nil
}

func (w *catalogWriter) ensureSoftware(vendor, software string) (uint, uint, error) {
	vid, ok := w.vendors[vendor]
	if !ok {
		v := Vendor{Name: vendor}
		if err := w.tx.Create(&v).Error; err != nil {
			return 0, 0, fmt.Errorf("add vendor %q: %w", vendor, err)
		}
		vid, w.vendors[vendor] = v.ID, v.ID
	}
	key := [2]string{vendor, software}
	sid, ok := w.software[key]
	if !ok {
		s := Software{VendorID: vid, Name: software}
		if err := w.tx.Create(&s).Error; err != nil {
			return 0, 0, fmt.Errorf("add software %q of %q: %w", software, vendor, err)
		}
		sid, w.software[key] = s.ID, s.ID
	}
	return vid, sid, nil
}

// flush writes the pending rows: deletions first, then upserts in batches.
func (w *catalogWriter) flush() error {
	tx := w.tx
	for ids := range slices.Chunk(w.removeB, catalogBatch) {
		if err := tx.Where("id IN ?", ids).Delete(&Bulletin{}).Error; err != nil {
			return fmt.Errorf("remove bulletins: %w", err)
		}
	}
	for ids := range slices.Chunk(w.removeU, catalogBatch) {
		if err := tx.Where("id IN ?", ids).Delete(&Update{}).Error; err != nil {
			return fmt.Errorf("remove updates: %w", err)
		}
	}
	for ids := range slices.Chunk(w.relinkB, catalogBatch) {
		if err := tx.Where("bulletin_id IN ?", ids).Delete(&BulletinCVE{}).Error; err != nil {
			return fmt.Errorf("rewrite bulletin CVEs: %w", err)
		}
		if err := tx.Where("bulletin_id IN ?", ids).Delete(&BulletinSupersedence{}).Error; err != nil {
			return fmt.Errorf("rewrite bulletin supersedence: %w", err)
		}
		if err := tx.Where("update_id IN (SELECT id FROM updates WHERE bulletin_id IN ?)", ids).Delete(&UpdateSupersedence{}).Error; err != nil {
			return fmt.Errorf("rewrite update supersedence: %w", err)
		}
	}
	// Upserts leave custom_severity_id, disabled and superseded alone: the first two are the
	// administrator's, the last is recomputed in finish.
	if len(w.newBulletins) > 0 {
		cols := []string{"vendor_id", "software_id", "title", "description", "severity", "severity_rank", "released", "revised", "update_count", "cves", "source", "digest"}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns(cols)}).
			CreateInBatches(w.newBulletins, catalogBatch).Error
		if err != nil {
			return fmt.Errorf("write bulletins: %w", err)
		}
	}
	if len(w.newUpdates) > 0 {
		cols := []string{"bulletin_id", "name", "kb", "product", "language", "architecture", "applicable_rule", "installed_rule", "url",
			"manual_download", "file_name", "size", "sha256", "command_line", "success_codes", "reboot_codes", "restart", "digest"}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns(cols)}).
			CreateInBatches(w.newUpdates, catalogBatch).Error
		if err != nil {
			return fmt.Errorf("write updates: %w", err)
		}
	}
	if len(w.cves) > 0 {
		cves := slices.Collect(func(yield func(CVE) bool) {
			for _, c := range w.cves {
				if !yield(c) {
					return
				}
			}
		})
		slices.SortFunc(cves, func(a, b CVE) int { return strings.Compare(a.ID, b.ID) })
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns([]string{"title", "severity"})}).
			CreateInBatches(cves, catalogBatch).Error
		if err != nil {
			return fmt.Errorf("write CVEs: %w", err)
		}
	}
	ignore := clause.OnConflict{DoNothing: true}
	for _, step := range []struct {
		what string
		rows any
		n    int
	}{
		{"bulletin CVEs", w.bulletinCVEs, len(w.bulletinCVEs)},
		{"bulletin supersedence", w.bullSup, len(w.bullSup)},
		{"update supersedence", w.updSup, len(w.updSup)},
	} {
		if step.n == 0 {
			continue
		}
		if err := tx.Clauses(ignore).CreateInBatches(step.rows, catalogBatch).Error; err != nil {
			return fmt.Errorf("write %s: %w", step.what, err)
		}
	}
	var langs []Language
	for l := range w.languages {
		langs = append(langs, Language{Code: l})
	}
	if len(langs) > 0 {
		if err := tx.Clauses(ignore).Create(&langs).Error; err != nil {
			return fmt.Errorf("write languages: %w", err)
		}
	}
	if len(w.sources) > 0 {
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "location"}, {Name: "unit"}}, UpdateAll: true}).Create(&w.sources).Error
		if err != nil {
			return fmt.Errorf("record catalog sources: %w", err)
		}
	}
	return nil
}

// deleteExcluded removes what the selection now leaves out, wherever it came from.
func (w *catalogWriter) deleteExcluded(opts ApplyOptions) error {
	tx := w.tx
	if opts.KeepBulletin != nil {
		var rows []struct{ ID, Vendor, Software string }
		err := tx.Raw("SELECT b.id, v.name AS vendor, s.name AS software FROM bulletins b JOIN vendors v ON v.id = b.vendor_id JOIN software s ON s.id = b.software_id").Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("read bulletins to prune: %w", err)
		}
		var drop []string
		for _, r := range rows {
			if !opts.KeepBulletin(r.Vendor, r.Software) {
				drop = append(drop, r.ID)
			}
		}
		for ids := range slices.Chunk(drop, catalogBatch) {
			var n int64
			if err := tx.Model(&Update{}).Where("bulletin_id IN ?", ids).Count(&n).Error; err != nil {
				return err
			}
			if err := tx.Where("id IN ?", ids).Delete(&Bulletin{}).Error; err != nil {
				return fmt.Errorf("remove excluded bulletins: %w", err)
			}
			w.counts.BulletinsRemoved += int64(len(ids))
			w.counts.UpdatesRemoved += n
		}
	}
	if opts.KeepLanguage != nil {
		var langs []string
		if err := tx.Model(&Update{}).Where("language <> ''").Distinct().Pluck("language", &langs).Error; err != nil {
			return fmt.Errorf("read update languages: %w", err)
		}
		for _, l := range langs {
			if opts.KeepLanguage(l) {
				continue
			}
			res := tx.Where("language = ?", l).Delete(&Update{})
			if res.Error != nil {
				return fmt.Errorf("remove updates in %s: %w", l, res.Error)
			}
			w.counts.UpdatesRemoved += res.RowsAffected
		}
		// A bulletin left without updates has nothing to offer.
		res := tx.Where("id NOT IN (SELECT DISTINCT bulletin_id FROM updates)").Delete(&Bulletin{})
		if res.Error != nil {
			return fmt.Errorf("remove emptied bulletins: %w", res.Error)
		}
		w.counts.BulletinsRemoved += res.RowsAffected
		if err := tx.Exec("UPDATE bulletins SET update_count = (SELECT count(*) FROM updates u WHERE u.bulletin_id = bulletins.id)").Error; err != nil {
			return fmt.Errorf("recount updates: %w", err)
		}
	}
	return nil
}

// finish recomputes what depends on the whole catalog: supersedence flags and orphans.
func (w *catalogWriter) finish() error {
	for _, st := range []struct{ what, sql string }{
		{"mark superseded bulletins", `UPDATE bulletins SET superseded = EXISTS (SELECT 1 FROM bulletin_supersedes s JOIN bulletins n ON n.id = s.bulletin_id WHERE s.supersedes_id = bulletins.id)`},
		{"mark superseded updates", `UPDATE updates SET superseded_by = COALESCE((SELECT MIN(s.update_id) FROM update_supersedes s WHERE s.supersedes_id = updates.id), '')`},
		{"remove unused software", `DELETE FROM software WHERE id NOT IN (SELECT DISTINCT software_id FROM bulletins)`},
		{"remove unused vendors", `DELETE FROM vendors WHERE id NOT IN (SELECT DISTINCT vendor_id FROM bulletins)`},
		{"remove unused CVEs", `DELETE FROM cves WHERE id NOT IN (SELECT DISTINCT cve_id FROM bulletin_cves)`},
	} {
		if err := w.tx.Exec(st.sql).Error; err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return nil
}
