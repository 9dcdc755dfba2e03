package model

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"gorm.io/gorm"
)

// Actor names who makes a change: the OS user and the front end ("alice@gui", "root@cli").
func Actor(frontEnd string) string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return name + "@" + frontEnd
}

// AuditTx records a change inside the caller's transaction.
func AuditTx(tx *gorm.DB, actor, action, object, detail string) error {
	e := AuditEntry{At: time.Now().UTC(), Actor: actor, Action: action, Object: object, Detail: detail}
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// AuditTrail lists the newest changes to objects whose name starts with prefix.
func (s *Store) AuditTrail(ctx context.Context, prefix string, limit int) ([]AuditEntry, error) {
	var entries []AuditEntry
	err := s.DB.WithContext(ctx).Where("object LIKE ?", prefix+"%").Order("at DESC, id DESC").Limit(limit).Find(&entries).Error
	if err != nil {
		return nil, fmt.Errorf("read audit trail: %w", err)
	}
	return entries, nil
}
