package model

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

func init() {
	register(migration{4, "administrator accounts and browser sessions", m004Admins})
}

// m004Admins creates the accounts that sign in to the browser pages on the listener, and their
// sessions. Sessions are stored by the SHA-256 of their token, so a copy of the database does
// not let anyone sign in.
func m004Admins(tx *gorm.DB) error {
	type admin struct {
		ID           uint      `gorm:"primaryKey"`
		Name         string    `gorm:"not null;uniqueIndex:idx_admins_name"`
		PasswordHash string    `gorm:"not null"`
		CreatedAt    time.Time `gorm:"not null"`
		UpdatedAt    time.Time `gorm:"not null"`
		LastSignInAt *time.Time
	}
	type adminSession struct {
		TokenHash  string    `gorm:"primaryKey"`
		AdminID    uint      `gorm:"not null;index:idx_admin_sessions_admin"`
		Admin      *admin    `gorm:"constraint:OnDelete:CASCADE"`
		CSRFToken  string    `gorm:"column:csrf_token;not null"`
		CreatedAt  time.Time `gorm:"not null"`
		ExpiresAt  time.Time `gorm:"not null;index:idx_admin_sessions_expires"`
		LastSeenAt time.Time `gorm:"not null"`
		Address    string    `gorm:"not null;default:''"`
	}
	for _, t := range []struct {
		name  string
		model any
	}{{"admins", &admin{}}, {"admin_sessions", &adminSession{}}} {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}
