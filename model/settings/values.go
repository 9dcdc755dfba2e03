package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"patchdesk/model"
	"patchdesk/model/schedule"
	"patchdesk/model/secrets"
)

// maxSecret bounds a Secret's length: Windows passwords stop at 256 characters.
const maxSecret = 256

// Normalize validates raw as a value of d and returns its canonical text form.
func Normalize(d Def, raw string) (string, error) {
	v, err := normalize(d, raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", d.Key, err)
	}
	return v, nil
}

func normalize(d Def, raw string) (string, error) {
	if d.Kind == Secret {
		// Not trimmed: spaces can be part of a password. A sealed value passes as it is (the
		// stored one handed back unchanged); Save seals plain text.
		if len(raw) > maxSecret {
			return "", fmt.Errorf("longer than %d characters", maxSecret)
		}
		if strings.ContainsAny(raw, "\x00\r\n") {
			return "", errors.New("must be one line")
		}
		return raw, nil
	}
	raw = strings.TrimSpace(raw)
	switch d.Kind {
	case Bool:
		b, err := strconv.ParseBool(strings.ToLower(raw))
		if err != nil {
			switch strings.ToLower(raw) {
			case "on", "yes":
				b = true
			case "off", "no":
				b = false
			default:
				return "", fmt.Errorf("%q is not on/off (true, false, yes, no)", raw)
			}
		}
		return strconv.FormatBool(b), nil
	case Int:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return "", fmt.Errorf("%q is not a whole number", raw)
		}
		if n < d.Min || n > d.Max {
			return "", fmt.Errorf("%d is out of range %d to %d", n, d.Min, d.Max)
		}
		return strconv.FormatInt(n, 10), nil
	case Duration:
		dur, err := schedule.ParseDuration(raw)
		if err != nil {
			return "", err
		}
		lo, hi := time.Duration(d.Min)*time.Second, time.Duration(d.Max)*time.Second
		if dur < lo || dur > hi {
			return "", fmt.Errorf("%s is out of range %s to %s", schedule.FormatDuration(dur), schedule.FormatDuration(lo), schedule.FormatDuration(hi))
		}
		return schedule.FormatDuration(dur), nil
	case Choice:
		for _, o := range d.Options {
			if strings.EqualFold(raw, o.Value) || strings.EqualFold(raw, o.Label) {
				return o.Value, nil
			}
		}
		vals := make([]string, len(d.Options))
		for i, o := range d.Options {
			vals[i] = o.Value
		}
		return "", fmt.Errorf("%q is not one of %s", raw, strings.Join(vals, ", "))
	case Schedule:
		sp, err := schedule.Parse(raw)
		if err != nil {
			return "", err
		}
		return sp.String(), nil
	case Path:
		if raw == "" {
			if d.Optional {
				return "", nil
			}
			return "", errors.New("must not be empty")
		}
		return location(raw)
	case Text:
		if raw == "" && d.Optional {
			return "", nil
		}
		if d.Item != nil {
			return d.Item(raw)
		}
		return raw, nil
	case List:
		items, err := splitList(raw)
		if err != nil {
			return "", err
		}
		var out []string
		for _, it := range items {
			if d.Item != nil {
				if it, err = d.Item(it); err != nil {
					return "", err
				}
			}
			if !slices.Contains(out, it) {
				out = append(out, it)
			}
		}
		if len(out) == 0 && !d.Optional {
			return "", errors.New("needs at least one entry")
		}
		return mustList(out...), nil
	}
	return "", fmt.Errorf("unsupported kind %s", d.Kind)
}

// splitList reads a JSON array or comma-separated text.
func splitList(raw string) ([]string, error) {
	if strings.HasPrefix(raw, "[") {
		var items []string
		if err := json.Unmarshal([]byte(raw), &items); err != nil {
			return nil, fmt.Errorf("list %q: %w", raw, err)
		}
		return compact(items), nil
	}
	return compact(strings.Split(raw, ",")), nil
}

func compact(items []string) []string {
	var out []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func mustList(items ...string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// Values is a snapshot of every setting, defaults filled in.
type Values struct {
	env    Env
	values map[string]string
	stored map[string]bool
}

// Env returns the environment the defaults were computed for.
func (v Values) Env() Env { return v.env }

// Raw returns a setting's canonical text.
func (v Values) Raw(key string) string {
	if s, ok := v.values[key]; ok {
		return s
	}
	d, err := Lookup(key)
	if err != nil {
		panic(err) // a typo in a Key constant is a programming error
	}
	return d.DefaultValue(v.env)
}

// IsDefault tells whether the setting holds its default.
func (v Values) IsDefault(key string) bool {
	d, _ := Lookup(key)
	return v.Raw(key) == d.DefaultValue(v.env)
}

// Bool returns a Bool setting.
func (v Values) Bool(key string) bool { return v.Raw(key) == "true" }

// Int returns an Int setting.
func (v Values) Int(key string) int {
	n, _ := strconv.Atoi(v.Raw(key))
	return n
}

// Duration returns a Duration setting.
func (v Values) Duration(key string) time.Duration {
	d, _ := schedule.ParseDuration(v.Raw(key))
	return d
}

// Schedule returns a Schedule setting.
func (v Values) Schedule(key string) schedule.Spec {
	sp, _ := schedule.Parse(v.Raw(key))
	return sp
}

// List returns a List setting.
func (v Values) List(key string) []string {
	var items []string
	_ = json.Unmarshal([]byte(v.Raw(key)), &items)
	return items
}

// Text returns a Text, Path or Choice setting.
func (v Values) Text(key string) string { return v.Raw(key) }

// Typed returns the value as JSON would carry it: bool, number, array or string.
func (v Values) Typed(key string) any {
	d, _ := Lookup(key)
	return TypedValue(d, v.Raw(key))
}

// TypedValue converts a canonical value of d to bool, number, array or string.
func TypedValue(d Def, canonical string) any {
	switch d.Kind {
	case Bool:
		return canonical == "true"
	case Int:
		n, _ := strconv.Atoi(canonical)
		return n
	case List:
		items := []string{}
		_ = json.Unmarshal([]byte(canonical), &items)
		return items
	case Secret:
		return MaskSecret(canonical)
	}
	return canonical
}

// MaskSecret is what displays and exports show of a Secret: "(set)" or "".
func MaskSecret(canonical string) string {
	if canonical == "" {
		return ""
	}
	return "(set)"
}

// Secret returns a Secret setting in plain text, "" when none is set.
func (v Values) Secret(key string) (string, error) {
	raw := v.Raw(key)
	if raw == "" {
		return "", nil
	}
	plain, err := secrets.Open(v.env.DataDir, raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return plain, nil
}

// With returns a copy with changes applied (already canonical).
func (v Values) With(changes map[string]string) Values {
	out := Values{env: v.env, values: make(map[string]string, len(v.values)+len(changes)), stored: v.stored}
	for k, s := range v.values {
		out.values[k] = s
	}
	for k, s := range changes {
		out.values[k] = s
	}
	return out
}

// check enforces rules that span settings.
func (v Values) check() error {
	if v.Raw(KeyRunWithRights) == "specified_user" && v.Raw(KeyRunAsUser) == "" {
		return fmt.Errorf("%s is specified_user, so %s needs an account", KeyRunWithRights, KeyRunAsUser)
	}
	if v.Raw(KeyStagingLocation) != "" && v.Raw(KeyStagingLocation) == v.Raw(KeyToLocation) {
		return fmt.Errorf("%s must differ from %s", KeyStagingLocation, KeyToLocation)
	}
	if !v.Bool(KeyImportUseDefault) && len(v.List(KeyImportAltLocations)) == 0 {
		return fmt.Errorf("with %s off, %s needs at least one location", KeyImportUseDefault, KeyImportAltLocations)
	}
	return nil
}

// Load reads every setting from the database.
func Load(ctx context.Context, db *gorm.DB, env Env) (Values, error) {
	var rows []model.Setting
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return Values{}, fmt.Errorf("load settings: %w", err)
	}
	v := Values{env: env, values: map[string]string{}, stored: map[string]bool{}}
	for _, r := range rows {
		if _, err := Lookup(r.Key); err != nil {
			continue // a setting retired by an upgrade: keep the row, ignore the value
		}
		v.values[r.Key] = r.Value
		v.stored[r.Key] = true
	}
	levels, err := model.ListSeverityLevels(ctx, db)
	if err != nil {
		return Values{}, err
	}
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.Name
	}
	v.values[KeyCustomSeverities] = mustList(names...)
	return v, nil
}

// Save validates changes (key → raw text) against the current values and stores them in one
// transaction; any invalid value saves nothing. It returns the keys whose value changed.
func Save(ctx context.Context, db *gorm.DB, env Env, actor string, changes map[string]string) ([]string, error) {
	var changed []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := Load(ctx, tx, env)
		if err != nil {
			return err
		}
		canon := map[string]string{}
		keys := make([]string, 0, len(changes))
		for k := range changes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			d, err := Lookup(k)
			if err != nil {
				return err
			}
			if d.ReadOnly != "" {
				return fmt.Errorf("%s cannot be set here: %s", k, d.ReadOnly)
			}
			s, err := Normalize(d, changes[k])
			if err != nil {
				return err
			}
			if d.Kind == Secret {
				if s, err = sealChange(env, k, s, current.Raw(k)); err != nil {
					return err
				}
			}
			if s != current.Raw(k) {
				canon[k] = s
				changed = append(changed, k)
			}
		}
		if err := current.With(canon).check(); err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, k := range changed {
			row := model.Setting{Key: k, Value: canon[k], UpdatedAt: now, UpdatedBy: actor}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
				return fmt.Errorf("store %s: %w", k, err)
			}
			detail := fmt.Sprintf("%s -> %s", current.Raw(k), canon[k])
			if d, _ := Lookup(k); d.Kind == Secret {
				detail = "replaced"
				if canon[k] == "" {
					detail = "cleared"
				}
			}
			if err := model.AuditTx(tx, actor, "set", "setting:"+k, detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// sealChange turns a Secret's new value into what is stored: the current sealed value when the
// text is unchanged (so that saving a form again is not a change), a fresh seal otherwise.
func sealChange(env Env, key, value, current string) (string, error) {
	switch {
	case value == "":
		return "", nil
	case secrets.IsSealed(value):
		if value != current {
			return "", fmt.Errorf("%s: a sealed value can only be the one already stored; give the new secret in plain text", key)
		}
		return value, nil
	}
	if current != "" {
		if old, err := secrets.Open(env.DataDir, current); err == nil && old == value {
			return current, nil
		}
	}
	sealed, err := secrets.Seal(env.DataDir, value)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return sealed, nil
}

// Reset puts settings back to their defaults.
func Reset(ctx context.Context, db *gorm.DB, env Env, actor string, keys ...string) ([]string, error) {
	changes := map[string]string{}
	for _, k := range keys {
		d, err := Lookup(k)
		if err != nil {
			return nil, err
		}
		changes[k] = d.DefaultValue(env)
	}
	return Save(ctx, db, env, actor, changes)
}

// Revision changes whenever a setting is saved; a host polls it to notice edits made by
// another process (the CLI) and reschedule its jobs.
func Revision(ctx context.Context, db *gorm.DB) (string, error) {
	var r struct {
		N    int64
		Last string
	}
	// Ranges rather than LIKE, so SQLite reads only these objects through their index: hosts and
	// the listener ask every few seconds, and the audit trail grows with every change.
	err := db.WithContext(ctx).Raw(`SELECT count(*) AS n, COALESCE(MAX(id), 0) AS last FROM audit_entries
		WHERE (object >= 'setting:' AND object < 'setting;') OR (object >= 'severity:' AND object < 'severity;')`).Scan(&r).Error
	if err != nil {
		return "", fmt.Errorf("read settings revision: %w", err)
	}
	return fmt.Sprintf("%d/%s", r.N, r.Last), nil
}

// Source reads and writes the settings of one database for one environment.
type Source struct {
	DB  *gorm.DB
	Env Env
}

// Load reads every setting.
func (s Source) Load(ctx context.Context) (Values, error) { return Load(ctx, s.DB, s.Env) }

// Revision changes whenever a setting is saved.
func (s Source) Revision(ctx context.Context) (string, error) { return Revision(ctx, s.DB) }

// Save validates and stores changes; see the package function Save.
func (s Source) Save(ctx context.Context, actor string, changes map[string]string) ([]string, error) {
	return Save(ctx, s.DB, s.Env, actor, changes)
}
