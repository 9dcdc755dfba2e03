package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"patchdesk/model/windows"
)

// Maintenance windows (guide chapter 5): named, recurring periods assigned to targets. A
// computer in a window's target installs updates and restarts only while one of its windows is
// open, unless a policy or the plug-in policy overrides them. The host stores the window's
// text; agents evaluate it (model/windows) in their own time zone.

// MaintenanceWindow is a named window and the targets it applies to.
type MaintenanceWindow struct {
	ID          uint      `json:"id"`
	Name        string    `json:"name"`
	Spec        string    `json:"spec"` // canonical window text, e.g. "2nd tue +3 01:00-05:00"
	Describe    string    `json:"describe" gorm:"-"`
	Description string    `json:"description"`
	Enabled     bool      `json:"enabled"`
	Targets     []string  `json:"targets" gorm:"-"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (MaintenanceWindow) TableName() string { return "maintenance_windows" }

type windowTarget struct {
	WindowID uint
	Target   string
}

func (windowTarget) TableName() string { return "maintenance_window_targets" }

// ErrWindowExists means another maintenance window has the name.
var ErrWindowExists = errors.New("a maintenance window with this name exists")

func windowObject(name string) string { return "window:" + name }

// AddWindow saves a window; spec is checked and stored in canonical form.
func (s *Store) AddWindow(ctx context.Context, actor, name, spec, description string) (MaintenanceWindow, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	switch {
	case name == "":
		return MaintenanceWindow{}, errors.New("a maintenance window needs a name")
	case len(name) > 200:
		return MaintenanceWindow{}, errors.New("a maintenance window name has at most 200 characters")
	}
	sp, err := windows.Parse(spec)
	if err != nil {
		return MaintenanceWindow{}, err
	}
	now := time.Now().UTC()
	w := MaintenanceWindow{Name: name, Spec: sp.String(), Description: description, Enabled: true, CreatedAt: now, UpdatedAt: now}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&MaintenanceWindow{}).Where("name = ?", name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: %s", ErrWindowExists, name)
		}
		if err := tx.Create(&w).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, "add", windowObject(name), w.Spec)
	})
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("add maintenance window %s: %w", name, err)
	}
	w.Describe, w.Targets = sp.Describe(), []string{}
	return w, nil
}

// Windows lists the maintenance windows by name, each with its targets.
func (s *Store) Windows(ctx context.Context) ([]MaintenanceWindow, error) {
	db := s.DB.WithContext(ctx)
	var ws []MaintenanceWindow
	if err := db.Order("name").Find(&ws).Error; err != nil {
		return nil, fmt.Errorf("list maintenance windows: %w", err)
	}
	var wts []windowTarget
	if err := db.Order("target").Find(&wts).Error; err != nil {
		return nil, fmt.Errorf("list maintenance window targets: %w", err)
	}
	at := map[uint]int{}
	for i := range ws {
		at[ws[i].ID] = i
		ws[i].Targets = []string{}
		if sp, err := windows.Parse(ws[i].Spec); err == nil {
			ws[i].Describe = sp.Describe()
		}
	}
	for _, wt := range wts {
		if i, ok := at[wt.WindowID]; ok {
			ws[i].Targets = append(ws[i].Targets, wt.Target)
		}
	}
	return ws, nil
}

// Window finds one window by name (case ignored) or id; ErrNotFound when none has it.
func (s *Store) Window(ctx context.Context, nameOrID string) (MaintenanceWindow, error) {
	ws, err := s.Windows(ctx)
	if err != nil {
		return MaintenanceWindow{}, err
	}
	for _, w := range ws {
		if strings.EqualFold(w.Name, nameOrID) || fmt.Sprint(w.ID) == nameOrID {
			return w, nil
		}
	}
	return MaintenanceWindow{}, fmt.Errorf("maintenance window %q: %w", nameOrID, ErrNotFound)
}

// RemoveWindow deletes a window and its assignments.
func (s *Store) RemoveWindow(ctx context.Context, actor, nameOrID string) error {
	w, err := s.Window(ctx, nameOrID)
	if err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("window_id = ?", w.ID).Delete(&windowTarget{}).Error; err != nil {
			return fmt.Errorf("remove maintenance window %s: %w", w.Name, err)
		}
		if err := tx.Delete(&MaintenanceWindow{}, w.ID).Error; err != nil {
			return fmt.Errorf("remove maintenance window %s: %w", w.Name, err)
		}
		return AuditTx(tx, actor, "remove", windowObject(w.Name), w.Spec)
	})
}

// UpdateWindow changes a window's text and description, or turns it on or off; empty spec
// keeps the text.
func (s *Store) UpdateWindow(ctx context.Context, actor, nameOrID, spec, description string, enabled bool) (MaintenanceWindow, error) {
	w, err := s.Window(ctx, nameOrID)
	if err != nil {
		return w, err
	}
	if spec != "" {
		sp, err := windows.Parse(spec)
		if err != nil {
			return w, err
		}
		w.Spec, w.Describe = sp.String(), sp.Describe()
	}
	w.Description, w.Enabled, w.UpdatedAt = strings.TrimSpace(description), enabled, time.Now().UTC()
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&MaintenanceWindow{}).Where("id = ?", w.ID).
			Updates(map[string]any{"spec": w.Spec, "description": w.Description, "enabled": w.Enabled, "updated_at": w.UpdatedAt}).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, "update", windowObject(w.Name), fmt.Sprintf("%s enabled=%v", w.Spec, w.Enabled))
	})
	if err != nil {
		return w, fmt.Errorf("update maintenance window %s: %w", w.Name, err)
	}
	return w, nil
}

// AssignWindow applies a window to a target (which must exist), or with assign false stops it.
func (s *Store) AssignWindow(ctx context.Context, actor, window, target string, assign bool) error {
	w, err := s.Window(ctx, window)
	if err != nil {
		return err
	}
	t, err := s.Target(ctx, target)
	if err != nil {
		return fmt.Errorf("assign maintenance window %s: %w", w.Name, err)
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		action := "assign"
		if assign {
			if err := tx.Exec(`INSERT OR IGNORE INTO maintenance_window_targets (window_id, target) VALUES (?, ?)`, w.ID, t.Name).Error; err != nil {
				return err
			}
		} else {
			action = "unassign"
			if err := tx.Where("window_id = ? AND target = ?", w.ID, t.Name).Delete(&windowTarget{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&MaintenanceWindow{}).Where("id = ?", w.ID).Update("updated_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		return AuditTx(tx, actor, action, windowObject(w.Name), t.Name)
	})
	if err != nil {
		return fmt.Errorf("assign maintenance window %s to %s: %w", w.Name, t.Name, err)
	}
	return nil
}

// ComputerWindows lists the enabled windows whose targets hold the computer, by name.
func (s *Store) ComputerWindows(ctx context.Context, computerID uint) ([]MaintenanceWindow, error) {
	var ws []MaintenanceWindow
	err := s.DB.WithContext(ctx).Raw(`SELECT DISTINCT w.* FROM maintenance_windows w
		JOIN maintenance_window_targets wt ON wt.window_id = w.id
		JOIN targets t ON t.name = wt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		WHERE w.enabled AND tm.computer_id = ? ORDER BY w.name`, computerID).Scan(&ws).Error
	if err != nil {
		return nil, fmt.Errorf("maintenance windows of computer %d: %w", computerID, err)
	}
	return ws, nil
}
