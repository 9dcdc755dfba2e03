package model

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// complianceCatalog is every update's rules parsed once, so that evaluating 20,000 inventories
// never touches JSON or the database. It is immutable once built and shared between goroutines.
type complianceCatalog struct {
	epoch   string
	rev     int64
	updates []compiledUpdate
	// broken counts updates whose stored rules do not parse; they are left out (and logged)
	// rather than reported as unknown on every computer.
	broken int
}

type compiledUpdate struct {
	id, bulletin string
	superseded   bool
	applicable   rules.Rule
	installed    rules.Rule
	// present is the applicable rule with its version ceilings lifted to the release; see
	// evaluate.
	present    rules.Rule
	hasCeiling bool
	// appOS and presentOS mark rules that test only the OS, architecture and languages; their
	// verdicts are shared by every inventory with the same OS (see osVerdicts).
	appOS, presentOS bool
}

// updateResult is one applicable (or undecided) update on one computer.
type updateResult struct {
	update     *compiledUpdate
	state      ComplianceState
	superseded bool
}

// evaluate decides one update on one inventory.
//
// The catalog's applicable rules say "the product at a version that lacks the fix" (MSRC: the
// Windows release from its build up to the fixed build; winget: the product below the new
// version), so once the fix is in, the applicable rule turns false. Read literally, a patched PC
// would show the update as not applicable instead of installed, and a June cumulative update
// could never count as installed. So when the applicable rule is false, the update counts as
// installed if its installed rule holds and the applicable rule holds with its version
// ceilings lifted to the release (see liftCeilings): Windows 10 22H2 at or above the fixed
// build, 7-Zip at or above the new version. Without the lift the installed rule alone would
// also claim "installed" for other releases (a 21H2 update on a 22H2 PC, whose build is higher).
func (u *compiledUpdate) evaluate(inv *inventory.Inventory, os *osVerdict) ComplianceState {
	app := os.app
	if !u.appOS {
		app = u.applicable.Eval(inv)
	}
	present := func() rules.Tri {
		if u.presentOS {
			return os.present
		}
		return u.present.Eval(inv)
	}
	switch app {
	case rules.True:
		switch u.installed.Eval(inv) {
		case rules.True:
			return StateInstalled
		case rules.False:
			return StateNotInstalled
		}
		return StateUnknown
	case rules.False:
		// present first: for most updates it is an OS test already decided.
		if u.hasCeiling && present() == rules.True && u.installed.Eval(inv) == rules.True {
			return StateInstalled
		}
		return StateNotApplicable
	}
	if (!u.hasCeiling || present() == rules.True) && u.installed.Eval(inv) == rules.True {
		return StateInstalled
	}
	return StateUnknown
}

// osVerdict is an update's OS-only rules decided for one OS.
type osVerdict struct{ app, present rules.Tri }

// evalCache remembers the OS-only verdicts of every update per distinct OS (name, version,
// build, revision, architecture, languages…). A fleet has a few dozen of those, so most of the
// catalog (the Windows updates, each for one release and architecture) is decided once per OS
// instead of once per computer: rule evaluation was three quarters of a full pass before. Not
// safe for concurrent use: each worker has its own.
type evalCache struct {
	cat   *complianceCatalog
	byKey map[string][]osVerdict
}

func (c *complianceCatalog) newEvalCache() *evalCache {
	return &evalCache{cat: c, byKey: map[string][]osVerdict{}}
}

func osKey(inv *inventory.Inventory) string {
	o := inv.OS
	return strings.Join([]string{o.Family, o.Name, o.Version, strconv.Itoa(o.Build), strconv.Itoa(o.UBR), o.Edition,
		o.Arch, o.ProductType, strings.Join(inv.Languages, ",")}, "\x00")
}

func (e *evalCache) verdicts(inv *inventory.Inventory) []osVerdict {
	k := osKey(inv)
	if v, ok := e.byKey[k]; ok {
		return v
	}
	v := make([]osVerdict, len(e.cat.updates))
	for i := range e.cat.updates {
		u := &e.cat.updates[i]
		if u.appOS {
			v[i].app = u.applicable.Eval(inv)
		}
		if u.presentOS {
			v[i].present = u.present.Eval(inv)
		}
	}
	e.byKey[k] = v
	return v
}

// evaluateAll returns the updates that apply to the inventory (or that the rules cannot
// decide), appended to buf.
func (e *evalCache) evaluateAll(inv *inventory.Inventory, buf []updateResult) []updateResult {
	vs := e.verdicts(inv)
	for i := range e.cat.updates {
		u := &e.cat.updates[i]
		if st := u.evaluate(inv, &vs[i]); st != StateNotApplicable {
			buf = append(buf, updateResult{update: u, state: st, superseded: u.superseded})
		}
	}
	return buf
}

// osOnly tells whether a rule tests nothing but the OS, architecture and languages.
func osOnly(r rules.Rule) bool {
	switch r.Op {
	case rules.All, rules.Any, rules.Not:
		for _, c := range r.Rules {
			if !osOnly(c) {
				return false
			}
		}
		return true
	case rules.OS, rules.Arch, rules.Language:
		return true
	}
	return false
}

// liftCeilings rewrites a rule so that version ranges with an upper bound ("below") reach to
// the end of the release their lower bound names: min 10.0.19045 below 10.0.19045.4529 becomes
// min 10.0.19045 below 10.0.19046, and a range with no lower bound loses its ceiling (the product
// at any version). Only ranges in positive positions are lifted: under a "not" a lifted range
// would make the rule stricter, not looser. changed tells whether anything was lifted.
func liftCeilings(r rules.Rule, negated bool) (out rules.Rule, changed bool) {
	out = r
	switch r.Op {
	case rules.All, rules.Any, rules.Not:
		out.Rules = make([]rules.Rule, len(r.Rules))
		for i, c := range r.Rules {
			var ch bool
			out.Rules[i], ch = liftCeilings(c, negated != (r.Op == rules.Not))
			changed = changed || ch
		}
		return out, changed
	case rules.OS, rules.Product, rules.File:
		if negated || r.Below == "" {
			return out, false
		}
		out.Below = releaseCeiling(r.Min)
		return out, true
	}
	return out, false
}

// releaseCeiling is the first version past the release a lower bound names: its last numeric
// segment plus one ("10.0.19045" → "10.0.19046"); "" (no ceiling) when it has none.
func releaseCeiling(min string) string {
	parts := strings.Split(strings.TrimSpace(min), ".")
	last := len(parts) - 1
	n, err := strconv.Atoi(parts[last])
	if min == "" || err != nil {
		return ""
	}
	parts[last] = strconv.Itoa(n + 1)
	return strings.Join(parts, ".")
}

// catalogRevision reads the catalog's revision, which the migration's triggers move whenever
// an update's rules, bulletin or supersedence change.
func (s *Store) catalogRevision(ctx context.Context) (epoch string, rev int64, err error) {
	row := s.DB.WithContext(ctx).Raw("SELECT epoch, catalog_rev FROM compliance_state WHERE id = 1").Row()
	if err := row.Scan(&epoch, &rev); err != nil {
		return "", 0, fmt.Errorf("read catalog revision: %w", err)
	}
	return epoch, rev, nil
}

// catalogCache holds the newest parsed catalog. A process has one database in practice; a second
// one (tests) simply replaces the entry, and the epoch (random per database) keeps two databases
// at the same revision apart.
var catalogCache struct {
	sync.Mutex
	cat *complianceCatalog
}

// complianceCatalog returns the parsed rules of the current catalog, reading them only when the
// catalog changed since the last call.
func (s *Store) complianceCatalog(ctx context.Context) (*complianceCatalog, error) {
	epoch, rev, err := s.catalogRevision(ctx)
	if err != nil {
		return nil, err
	}
	catalogCache.Lock()
	defer catalogCache.Unlock()
	if c := catalogCache.cat; c != nil && c.epoch == epoch && c.rev == rev {
		return c, nil
	}
	c, err := s.loadComplianceCatalog(ctx)
	if err != nil {
		return nil, err
	}
	catalogCache.cat = c
	return c, nil
}

func (s *Store) loadComplianceCatalog(ctx context.Context) (*complianceCatalog, error) {
	c := &complianceCatalog{}
	var err error
	// The revision is read before the rules (not in a transaction, which would take the write
	// lock): a change in between makes the next call see a newer revision and read again, never
	// the reverse.
	if c.epoch, c.rev, err = s.catalogRevision(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.WithContext(ctx).Raw("SELECT id, bulletin_id, applicable_rule, installed_rule, superseded_by <> '' FROM updates ORDER BY id").Rows()
	if err != nil {
		return nil, fmt.Errorf("read update rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u compiledUpdate
		var app, inst string
		if err := rows.Scan(&u.id, &u.bulletin, &app, &inst, &u.superseded); err != nil {
			return nil, fmt.Errorf("read update rules: %w", err)
		}
		var errA, errI error
		u.applicable, errA = rules.Parse([]byte(app))
		u.installed, errI = rules.Parse([]byte(inst))
		if errA != nil || errI != nil || app == "" || inst == "" {
			c.broken++
			s.log.Warn("update left out of compliance: its rules are missing or do not parse", "update", u.id, "applicable", errA, "installed", errI)
			continue
		}
		u.present, u.hasCeiling = liftCeilings(u.applicable, false)
		u.appOS, u.presentOS = osOnly(u.applicable), osOnly(u.present)
		c.updates = append(c.updates, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read update rules: %w", err)
	}
	return c, nil
}
