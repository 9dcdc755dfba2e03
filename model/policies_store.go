package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// PolicyView is a policy with its bulletins, targets and updates, as the Policies screen and
// `patchdesk policies --format json` show it.
type PolicyView struct {
	ID                         uint               `json:"id"`
	Name                       string             `json:"name"`
	Description                string             `json:"description"`
	Enabled                    bool               `json:"enabled"`
	Run                        string             `json:"run"`
	Schedule                   string             `json:"schedule"`
	AllowImmediateRestart      bool               `json:"allow_immediate_restart"`
	WakeOnLAN                  bool               `json:"wake_on_lan"`
	OverrideMaintenanceWindows bool               `json:"override_maintenance_windows"`
	Revision                   int                `json:"revision"`
	Bulletins                  []string           `json:"bulletins"`
	Targets                    []string           `json:"targets"`
	Updates                    []PolicyUpdateView `json:"updates"`
	UpdatesEnabled             int                `json:"updates_enabled"`
	// Reached counts the computers its targets hold; Installed and Failed count computer ×
	// update pairs whose latest delivery for this policy ended so.
	Reached   int       `json:"computers_reached"`
	Installed int       `json:"installed"`
	Failed    int       `json:"failed"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PolicyUpdateView is one update of a policy with its package (Table 7-5).
type PolicyUpdateView struct {
	ID           string `json:"id"`
	Bulletin     string `json:"bulletin"`
	Name         string `json:"name"`
	Language     string `json:"language"`
	Enabled      bool   `json:"enabled"`
	Superseded   bool   `json:"superseded"`
	Package      string `json:"package"`       // the stored file's name, "" until downloaded
	PackageState string `json:"package_state"` // a Package* state, "" when never requested
	SHA256       string `json:"sha256"`        // the stored package's, which agents fetch it by
	CommandLine  string `json:"command_line"`
	InCatalog    bool   `json:"in_catalog"` // false once an import removed the update
}

// Input returns the policy as wizard input, to edit it.
func (v PolicyView) Input() PolicyInput {
	in := PolicyInput{Name: v.Name, Description: v.Description, Bulletins: slices.Clone(v.Bulletins), Targets: slices.Clone(v.Targets),
		Run: v.Run, Schedule: v.Schedule, AllowImmediateRestart: v.AllowImmediateRestart, WakeOnLAN: v.WakeOnLAN,
		OverrideMaintenanceWindows: v.OverrideMaintenanceWindows, Enabled: v.Enabled, DisabledUpdates: []string{}}
	for _, u := range v.Updates {
		if !u.Enabled {
			in.DisabledUpdates = append(in.DisabledUpdates, u.ID)
		}
	}
	return in
}

// CreatePolicy creates a policy from the wizard's input, with every update of its bulletins
// except the disabled ones, audit-trailed.
func (s *Store) CreatePolicy(ctx context.Context, actor string, in PolicyInput) (PolicyView, error) {
	in, err := in.normalize()
	if err != nil {
		return PolicyView{}, fmt.Errorf("create policy: %w", err)
	}
	var id uint
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := policyNameFree(tx, in.Name, 0); err != nil {
			return err
		}
		p := Policy{}
		in.apply(&p)
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		id = p.ID
		if err := writeMembers(tx, p.ID, in, nil); err != nil {
			return err
		}
		return AuditTx(tx, actor, "create", policyObject(p.ID), fmt.Sprintf("%q with %s for %s", p.Name, strings.Join(in.Bulletins, ", "), strings.Join(in.Targets, ", ")))
	})
	if err != nil {
		return PolicyView{}, fmt.Errorf("create policy %q: %w", in.Name, err)
	}
	return s.FindPolicy(ctx, strconv.FormatUint(uint64(id), 10))
}

// UpdatePolicy replaces everything the wizard set on a policy. Updates keep their on/off state
// unless the input names them disabled; updates of newly added bulletins are on.
func (s *Store) UpdatePolicy(ctx context.Context, actor string, id uint, in PolicyInput) (PolicyView, error) {
	in, err := in.normalize()
	if err != nil {
		return PolicyView{}, fmt.Errorf("change policy: %w", err)
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Policy
		if err := tx.First(&p, id).Error; err != nil {
			return notFound(err, "policy "+strconv.FormatUint(uint64(id), 10))
		}
		if err := policyNameFree(tx, in.Name, id); err != nil {
			return err
		}
		var before []PolicyUpdate
		if err := tx.Where("policy_id = ?", id).Find(&before).Error; err != nil {
			return err
		}
		in.apply(&p)
		p.Revision++
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		for _, m := range []any{&PolicyBulletin{}, &PolicyUpdate{}, &PolicyTarget{}} {
			if err := tx.Where("policy_id = ?", id).Delete(m).Error; err != nil {
				return err
			}
		}
		if err := writeMembers(tx, id, in, before); err != nil {
			return err
		}
		return AuditTx(tx, actor, "change", policyObject(id), fmt.Sprintf("%q with %s for %s", p.Name, strings.Join(in.Bulletins, ", "), strings.Join(in.Targets, ", ")))
	})
	if err != nil {
		return PolicyView{}, fmt.Errorf("change policy %d: %w", id, err)
	}
	return s.FindPolicy(ctx, strconv.FormatUint(uint64(id), 10))
}

func (in PolicyInput) apply(p *Policy) {
	p.Name, p.Description, p.Enabled, p.Run, p.Schedule = in.Name, in.Description, in.Enabled, in.Run, in.Schedule
	p.AllowImmediateRestart, p.WakeOnLAN, p.OverrideMaintenanceWindows = in.AllowImmediateRestart, in.WakeOnLAN, in.OverrideMaintenanceWindows
}

// writeMembers writes a policy's bulletins, targets and updates. before holds the updates'
// earlier on/off state when the policy is being changed.
func writeMembers(tx *gorm.DB, id uint, in PolicyInput, before []PolicyUpdate) error {
	if err := bulletinsExist(tx, in.Bulletins); err != nil {
		return err
	}
	var ups []Update
	if err := tx.Select("id", "bulletin_id").Where("bulletin_id IN ?", in.Bulletins).Order("bulletin_id, id").Find(&ups).Error; err != nil {
		return err
	}
	was := map[string]bool{}
	for _, u := range before {
		was[u.UpdateID] = u.Enabled
	}
	pus := make([]PolicyUpdate, 0, len(ups))
	for _, u := range ups {
		on, known := was[u.ID]
		if !known {
			on = true
		}
		if slices.Contains(in.DisabledUpdates, u.ID) {
			on = false
		} else if in.DisabledUpdates != nil {
			on = true
		}
		pus = append(pus, PolicyUpdate{PolicyID: id, UpdateID: u.ID, BulletinID: u.BulletinID, Enabled: on})
	}
	if len(pus) > 0 {
		if err := tx.CreateInBatches(pus, 500).Error; err != nil {
			return err
		}
	}
	for _, b := range in.Bulletins {
		if err := tx.Create(&PolicyBulletin{PolicyID: id, BulletinID: b}).Error; err != nil {
			return err
		}
	}
	for _, t := range in.Targets {
		if err := tx.Create(&PolicyTarget{PolicyID: id, Target: t}).Error; err != nil {
			return err
		}
	}
	return nil
}

func policyNameFree(tx *gorm.DB, name string, self uint) error {
	var n int64
	if err := tx.Model(&Policy{}).Where("lower(name) = lower(?) AND id <> ?", name, self).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %q", ErrPolicyExists, name)
	}
	return nil
}

func policyObject(id uint) string { return "policy:" + strconv.FormatUint(uint64(id), 10) }

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// SetPolicyEnabled turns a policy on or off.
func (s *Store) SetPolicyEnabled(ctx context.Context, actor string, id uint, on bool) error {
	action := map[bool]string{true: "turn-on", false: "turn-off"}[on]
	return s.changePolicy(ctx, actor, id, action, "", func(tx *gorm.DB) error {
		return tx.Model(&Policy{}).Where("id = ?", id).Update("enabled", on).Error
	})
}

// SetPolicyUpdates turns updates of a policy on or off (update id → on).
func (s *Store) SetPolicyUpdates(ctx context.Context, actor string, id uint, states map[string]bool) error {
	var parts []string
	for u, on := range states {
		parts = append(parts, fmt.Sprintf("%s %s", u, map[bool]string{true: "on", false: "off"}[on]))
	}
	slices.Sort(parts)
	return s.changePolicy(ctx, actor, id, "updates", strings.Join(parts, ", "), func(tx *gorm.DB) error {
		for u, on := range states {
			r := tx.Model(&PolicyUpdate{}).Where("policy_id = ? AND update_id = ?", id, u).Update("enabled", on)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected == 0 {
				return fmt.Errorf("update %q is not in the policy: %w", u, ErrNotFound)
			}
		}
		return nil
	})
}

// DeletePolicy deletes a policy; its packages become candidates for purging.
func (s *Store) DeletePolicy(ctx context.Context, actor string, id uint) error {
	return s.changePolicy(ctx, actor, id, "delete", "", func(tx *gorm.DB) error {
		return tx.Delete(&Policy{}, id).Error
	})
}

// changePolicy runs a change to one policy with its revision bump and audit entry.
func (s *Store) changePolicy(ctx context.Context, actor string, id uint, action, detail string, change func(tx *gorm.DB) error) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Policy
		if err := tx.First(&p, id).Error; err != nil {
			return notFound(err, "policy "+strconv.FormatUint(uint64(id), 10))
		}
		if err := tx.Model(&Policy{}).Where("id = ?", id).Updates(map[string]any{"revision": p.Revision + 1, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		if err := change(tx); err != nil {
			return err
		}
		return AuditTx(tx, actor, action, policyObject(id), strings.TrimSpace(fmt.Sprintf("%q %s", p.Name, detail)))
	})
	if err != nil {
		return fmt.Errorf("%s policy %d: %w", action, id, err)
	}
	return nil
}

// FindPolicy finds a policy by id or (case-insensitive) name.
func (s *Store) FindPolicy(ctx context.Context, idOrName string) (PolicyView, error) {
	var ps []Policy
	q := s.DB.WithContext(ctx)
	if n, err := strconv.ParseUint(idOrName, 10, 32); err == nil {
		q = q.Where("id = ? OR lower(name) = lower(?)", n, idOrName)
	} else {
		q = q.Where("lower(name) = lower(?)", strings.TrimSpace(idOrName))
	}
	if err := q.Order("id").Limit(1).Find(&ps).Error; err != nil {
		return PolicyView{}, fmt.Errorf("find policy %q: %w", idOrName, err)
	}
	if len(ps) == 0 {
		return PolicyView{}, fmt.Errorf("policy %q: %w", idOrName, ErrNotFound)
	}
	views, err := s.policyViews(ctx, ps)
	if err != nil {
		return PolicyView{}, err
	}
	return views[0], nil
}

// Policies lists every policy by name.
func (s *Store) Policies(ctx context.Context) ([]PolicyView, error) {
	var ps []Policy
	if err := s.DB.WithContext(ctx).Order("lower(name), id").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return s.policyViews(ctx, ps)
}

// PoliciesWithBulletin lists the names of the policies holding a bulletin (View Policies).
func (s *Store) PoliciesWithBulletin(ctx context.Context, bulletins []string) ([]PolicyView, error) {
	var ids []uint
	if err := s.DB.WithContext(ctx).Model(&PolicyBulletin{}).Distinct("policy_id").Where("bulletin_id IN ?", bulletins).Pluck("policy_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("find policies of bulletins: %w", err)
	}
	var ps []Policy
	if err := s.DB.WithContext(ctx).Where("id IN ?", ids).Order("lower(name), id").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("find policies of bulletins: %w", err)
	}
	return s.policyViews(ctx, ps)
}

type policyUpdateScan struct {
	PolicyID                                               uint
	UpdateID, BulletinID                                   string
	Enabled                                                bool
	Name, Language, CommandLine, SupersededBy, State, File string
	SHA256                                                 string `gorm:"column:sha256"`
	InCatalog                                              bool
}

func (s *Store) policyViews(ctx context.Context, ps []Policy) ([]PolicyView, error) {
	out := make([]PolicyView, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]uint, len(ps))
	index := map[uint]int{}
	for i, p := range ps {
		ids[i], index[p.ID] = p.ID, i
		out[i] = PolicyView{ID: p.ID, Name: p.Name, Description: p.Description, Enabled: p.Enabled, Run: p.Run, Schedule: p.Schedule,
			AllowImmediateRestart: p.AllowImmediateRestart, WakeOnLAN: p.WakeOnLAN, OverrideMaintenanceWindows: p.OverrideMaintenanceWindows,
			Revision: p.Revision, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
			Bulletins: []string{}, Targets: []string{}, Updates: []PolicyUpdateView{}}
	}
	db := s.DB.WithContext(ctx)
	var bs []PolicyBulletin
	var ts []PolicyTarget
	var us []policyUpdateScan
	err := errors.Join(
		db.Where("policy_id IN ?", ids).Order("policy_id, bulletin_id").Find(&bs).Error,
		db.Where("policy_id IN ?", ids).Order("policy_id, target").Find(&ts).Error,
		db.Raw(`SELECT pu.policy_id, pu.update_id, pu.bulletin_id, pu.enabled,
			COALESCE(u.name, pu.update_id) AS name, COALESCE(u.language, '') AS language, COALESCE(u.command_line, '') AS command_line,
			COALESCE(u.superseded_by, '') AS superseded_by, COALESCE(p.state, '') AS state, COALESCE(p.file_name, '') AS file,
			CASE WHEN p.state = 'downloaded' THEN p.sha256 ELSE '' END AS sha256, u.id IS NOT NULL AS in_catalog
			FROM policy_updates pu LEFT JOIN updates u ON u.id = pu.update_id LEFT JOIN packages p ON p.update_id = pu.update_id
			WHERE pu.policy_id IN ? ORDER BY pu.policy_id, pu.bulletin_id, pu.update_id`, ids).Scan(&us).Error,
	)
	if err != nil {
		return nil, fmt.Errorf("read policies: %w", err)
	}
	for _, b := range bs {
		v := &out[index[b.PolicyID]]
		v.Bulletins = append(v.Bulletins, b.BulletinID)
	}
	for _, t := range ts {
		v := &out[index[t.PolicyID]]
		v.Targets = append(v.Targets, t.Target)
	}
	for _, u := range us {
		v := &out[index[u.PolicyID]]
		pkg := ""
		if u.State == PackageDownloaded {
			pkg = u.File
		}
		v.Updates = append(v.Updates, PolicyUpdateView{ID: u.UpdateID, Bulletin: u.BulletinID, Name: u.Name, Language: u.Language,
			Enabled: u.Enabled, Superseded: u.SupersededBy != "", Package: pkg, PackageState: u.State, SHA256: u.SHA256,
			CommandLine: u.CommandLine, InCatalog: u.InCatalog})
		if u.Enabled {
			v.UpdatesEnabled++
		}
	}
	if err := s.policyReach(ctx, ids, out, index); err != nil {
		return nil, err
	}
	return out, nil
}

// policyReach fills in how many computers each policy reaches and how its deliveries ended.
func (s *Store) policyReach(ctx context.Context, ids []uint, out []PolicyView, index map[uint]int) error {
	db := s.DB.WithContext(ctx)
	var reach []struct {
		PolicyID uint
		N        int
	}
	err := db.Raw(`SELECT pt.policy_id, COUNT(DISTINCT tm.computer_id) AS n FROM policy_targets pt
		JOIN targets t ON t.name = pt.target JOIN target_members tm ON tm.target_id = t.id
		WHERE pt.policy_id IN ? GROUP BY pt.policy_id`, ids).Scan(&reach).Error
	if err != nil {
		return fmt.Errorf("count computers policies reach: %w", err)
	}
	for _, r := range reach {
		out[index[r.PolicyID]].Reached = r.N
	}
	var ends []struct {
		PolicyID uint
		Status   string
		N        int
	}
	err = db.Raw(`SELECT e.policy_id, e.status, COUNT(*) AS n FROM delivery_events e
		JOIN (SELECT MAX(id) AS id FROM delivery_events WHERE policy_id IN ? GROUP BY computer_id, update_id, policy_id) l ON l.id = e.id
		GROUP BY e.policy_id, e.status`, ids).Scan(&ends).Error
	if err != nil {
		return fmt.Errorf("count policy deliveries: %w", err)
	}
	for _, e := range ends {
		v := &out[index[e.PolicyID]]
		switch e.Status {
		case DeliveryInstalled, DeliveryInstalledByUser:
			v.Installed += e.N
		case DeliveryFailed:
			v.Failed += e.N
		}
	}
	return nil
}
