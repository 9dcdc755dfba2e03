package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Targets are the guide's filters and resource targets: named, saved computer queries whose
// members are recomputed on the patch filter update interval (the update-targets job) and on
// demand. Policies name them, the scan setting names one, and the Computers screen filters by
// them. Membership is stored, so asking "who is in it" is a lookup, not a query over inventories.

// Built-in targets, created by migration 6; they cannot be removed or changed.
const (
	TargetWindowsAgents = "Windows computers with the agent" // the default target
	TargetAllAgents     = "All computers with the agent"
)

// TargetQuery is what a target selects. Empty fields do not restrict; the fields combine with
// AND. Patterns take * and ? wildcards and ignore case; a pattern without a wildcard matches
// anywhere in the text.
type TargetQuery struct {
	OSFamily    string `json:"os_family,omitempty"`    // windows, linux or macos
	OSName      string `json:"os_name,omitempty"`      // pattern on the OS name, e.g. "Windows 10*"
	NamePattern string `json:"name_pattern,omitempty"` // pattern on the computer name
	// Agent keeps computers whose agent is enrolled and not revoked.
	Agent    bool `json:"agent,omitempty"`
	BuildMin int  `json:"build_min,omitempty"` // OS build (Windows CurrentBuild), inclusive
	BuildMax int  `json:"build_max,omitempty"` // inclusive
	// Bulletin with BulletinState keeps computers where the bulletin is applicable (installed
	// or not), not_installed or installed, as compliance last computed it.
	Bulletin      string `json:"bulletin,omitempty"`
	BulletinState string `json:"bulletin_state,omitempty"`
}

// Bulletin states a target can select.
const (
	TargetApplicable   = "applicable"
	TargetNotInstalled = "not_installed"
	TargetInstalled    = "installed"
)

// Validate checks a query before it is saved.
func (q TargetQuery) Validate() error {
	switch strings.ToLower(q.OSFamily) {
	case "", "windows", "linux", "macos":
	default:
		return fmt.Errorf("OS family %q: use windows, linux or macos", q.OSFamily)
	}
	if q.BuildMin < 0 || q.BuildMax < 0 || (q.BuildMax > 0 && q.BuildMax < q.BuildMin) {
		return fmt.Errorf("build range %d to %d is empty", q.BuildMin, q.BuildMax)
	}
	switch q.BulletinState {
	case "":
		if q.Bulletin != "" {
			return errors.New("a bulletin needs a state: applicable, not_installed or installed")
		}
	case TargetApplicable, TargetNotInstalled, TargetInstalled:
		if q.Bulletin == "" {
			return fmt.Errorf("bulletin state %s needs a bulletin", q.BulletinState)
		}
	default:
		return fmt.Errorf("bulletin state %q: use applicable, not_installed or installed", q.BulletinState)
	}
	return nil
}

// Describe says what the query selects, for lists.
func (q TargetQuery) Describe() string {
	var parts []string
	if q.OSFamily != "" {
		parts = append(parts, "OS family "+q.OSFamily)
	}
	if q.OSName != "" {
		parts = append(parts, fmt.Sprintf("OS %q", q.OSName))
	}
	if q.NamePattern != "" {
		parts = append(parts, fmt.Sprintf("name %q", q.NamePattern))
	}
	if q.Agent {
		parts = append(parts, "agent enrolled")
	}
	switch {
	case q.BuildMin > 0 && q.BuildMax > 0:
		parts = append(parts, fmt.Sprintf("build %d–%d", q.BuildMin, q.BuildMax))
	case q.BuildMin > 0:
		parts = append(parts, fmt.Sprintf("build ≥ %d", q.BuildMin))
	case q.BuildMax > 0:
		parts = append(parts, fmt.Sprintf("build ≤ %d", q.BuildMax))
	}
	if q.Bulletin != "" {
		parts = append(parts, fmt.Sprintf("%s %s", q.Bulletin, strings.ReplaceAll(q.BulletinState, "_", " ")))
	}
	if len(parts) == 0 {
		return "every computer"
	}
	return strings.Join(parts, ", ")
}

// where renders the query as conditions on computers k.
func (q TargetQuery) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if q.OSFamily != "" {
		add("lower(k.os_family) = lower(?)", q.OSFamily)
	}
	if q.OSName != "" {
		add(`k.os_name LIKE ? ESCAPE '\'`, likePattern(q.OSName))
	}
	if q.NamePattern != "" {
		add(`k.name LIKE ? ESCAPE '\'`, likePattern(q.NamePattern))
	}
	if q.Agent {
		add("NOT k.revoked")
	}
	if q.BuildMin > 0 {
		add("k.os_build >= ?", q.BuildMin)
	}
	if q.BuildMax > 0 {
		add("k.os_build <= ?", q.BuildMax)
	}
	if q.Bulletin != "" {
		having := map[string]string{
			TargetApplicable:   "MAX(state) IN (1, 3)",
			TargetNotInstalled: "MAX(state) = 3",
			TargetInstalled:    "MAX(state) = 1",
		}[q.BulletinState]
		add("k.id IN (SELECT computer_id FROM compliance WHERE bulletin_id = ? GROUP BY computer_id HAVING "+having+")", q.Bulletin)
	}
	return strings.Join(conds, " AND "), args
}

// likePattern turns a * and ? pattern into LIKE's; without wildcards it matches a substring.
func likePattern(p string) string {
	esc := escapeLike(strings.TrimSpace(p))
	if !strings.ContainsAny(p, "*?") {
		return "%" + esc + "%"
	}
	return strings.NewReplacer("*", "%", "?", "_").Replace(esc)
}

// Target is a saved query with its last membership count.
type Target struct {
	ID          uint        `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Builtin     bool        `json:"builtin"`
	Query       TargetQuery `json:"query"`
	Members     int         `json:"members"`
	EvaluatedAt *time.Time  `json:"evaluated_at"` // nil until the first recompute
}

type targetRow struct {
	ID          uint
	Name        string
	Description string
	Builtin     bool
	Query       string
	MemberCount int
	EvaluatedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (targetRow) TableName() string { return "targets" }

func (r targetRow) target() (Target, error) {
	t := Target{ID: r.ID, Name: r.Name, Description: r.Description, Builtin: r.Builtin, Members: r.MemberCount, EvaluatedAt: r.EvaluatedAt}
	if err := json.Unmarshal([]byte(r.Query), &t.Query); err != nil {
		return t, fmt.Errorf("read target %s: %w", r.Name, err)
	}
	return t, nil
}

func targetObject(name string) string { return "target:" + name }

// Targets lists the targets, built-ins first, then by name.
func (s *Store) Targets(ctx context.Context) ([]Target, error) {
	var rows []targetRow
	if err := s.DB.WithContext(ctx).Order("builtin DESC, name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	out := make([]Target, 0, len(rows))
	for _, r := range rows {
		t, err := r.target()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Target finds a target by name (case-insensitive); ErrNotFound when there is none.
func (s *Store) Target(ctx context.Context, name string) (Target, error) {
	r, err := findTarget(s.DB.WithContext(ctx), name)
	if err != nil {
		return Target{}, err
	}
	return r.target()
}

func findTarget(tx *gorm.DB, name string) (targetRow, error) {
	var r targetRow
	if err := tx.Where("name = ?", strings.TrimSpace(name)).Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return r, fmt.Errorf("target %q: %w", name, ErrNotFound)
		}
		return r, fmt.Errorf("find target %q: %w", name, err)
	}
	return r, nil
}

// ErrTargetExists means a target of that name exists already.
var ErrTargetExists = errors.New("a target of that name exists")

// AddTarget saves a new target and computes its members.
func (s *Store) AddTarget(ctx context.Context, actor, name, description string, q TargetQuery) (Target, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Target{}, errors.New("add target: the name is empty")
	}
	if err := q.Validate(); err != nil {
		return Target{}, fmt.Errorf("add target %s: %w", name, err)
	}
	q.OSFamily = strings.ToLower(q.OSFamily)
	b, _ := json.Marshal(q)
	now := time.Now().UTC()
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := findTarget(tx, name); err == nil {
			return fmt.Errorf("add target %s: %w", name, ErrTargetExists)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		r := targetRow{Name: name, Description: description, Query: string(b), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("add target %s: %w", name, err)
		}
		if _, err := recomputeTarget(tx, r, now); err != nil {
			return err
		}
		return AuditTx(tx, actor, "create", targetObject(name), q.Describe())
	})
	if err != nil {
		return Target{}, err
	}
	return s.Target(ctx, name)
}

// RemoveTarget deletes a target. Built-in targets and targets a policy uses are kept.
func (s *Store) RemoveTarget(ctx context.Context, actor, name string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := findTarget(tx, name)
		if err != nil {
			return err
		}
		if r.Builtin {
			return fmt.Errorf("target %q is built in and cannot be removed", r.Name)
		}
		var policies []string
		err = tx.Raw("SELECT p.name FROM policy_targets pt JOIN policies p ON p.id = pt.policy_id WHERE pt.target = ? COLLATE NOCASE ORDER BY p.name", r.Name).Scan(&policies).Error
		if err != nil {
			return fmt.Errorf("remove target %s: %w", r.Name, err)
		}
		if len(policies) > 0 {
			return fmt.Errorf("target %q is used by policies %s: change them first", r.Name, strings.Join(policies, ", "))
		}
		if err := tx.Delete(&targetRow{}, r.ID).Error; err != nil {
			return fmt.Errorf("remove target %s: %w", r.Name, err)
		}
		return AuditTx(tx, actor, "delete", targetObject(r.Name), "")
	})
}
